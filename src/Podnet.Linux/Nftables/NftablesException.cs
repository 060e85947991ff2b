namespace Podnet.Linux.Nftables;

/// <summary>
/// An nftables operation failed. The message names the object and the namespace; <see cref="Errno"/>
/// keeps the kernel's cause (0 when the failure was not a kernel error).
/// </summary>
public sealed class NftablesException : Exception
{
    public int Errno { get; }

    public NftablesException(string message, int errno = 0, Exception? inner = null) : base(message, inner) => Errno = errno;

    internal static NftablesException Kernel(string what, string? netns, int errno, string? kernelMessage = null)
    {
        var where = netns is null ? "" : $" in {netns}";
        var extra = string.IsNullOrEmpty(kernelMessage) ? "" : $" [{kernelMessage}]";
        return new NftablesException($"could not {what}{where}: {ErrnoText.Describe(errno)}{extra}", errno);
    }
}
