namespace Podnet.Cni.Spec;

/// <summary>Error codes of CNI spec 1.1.0 (section 5) plus Podnet's plugin-specific ones (100+).</summary>
public static class CniErrorCode
{
    public const int IncompatibleVersion = 1;
    public const int UnsupportedField = 2;
    public const int UnknownContainer = 3;
    public const int InvalidEnvironment = 4;
    public const int IoFailure = 5;
    public const int DecodeFailure = 6;
    public const int InvalidConfig = 7;
    public const int TryAgainLater = 11;
    public const int PluginNotAvailable = 50;
    public const int PluginNotAvailableLimitedConnectivity = 51;
    /// <summary>A kernel (netlink, sysctl, netns) operation failed.</summary>
    public const int KernelFailure = 100;
    /// <summary>The interface named by CNI_IFNAME already exists in the container.</summary>
    public const int InterfaceExists = 101;
    /// <summary>A delegated plugin (IPAM) failed or could not be run.</summary>
    public const int DelegateFailure = 102;
    /// <summary>CHECK found the attachment different from prevResult.</summary>
    public const int CheckFailed = 103;
}

/// <summary>An error that is reported to the runtime as the spec's error JSON.</summary>
public sealed class CniException : Exception
{
    public int Code { get; }
    public string Details { get; }

    public CniException(int code, string msg, string? details = null, Exception? inner = null)
        : base(msg, inner)
    {
        Code = code;
        Details = details ?? inner?.Message ?? "";
    }
}
