namespace Podnet.Linux.Nftables;

/// <summary>
/// One set or map element. <see cref="Key"/> is the wire form (see <see cref="NftKey"/>);
/// maps carry either a <see cref="Verdict"/> or raw <see cref="Data"/>. Interval sets send a start
/// element and an <see cref="IntervalEnd"/> element (see <see cref="NftKey.Cidr"/>); concatenated
/// interval sets instead give each element an inclusive <see cref="KeyEnd"/>.
/// </summary>
public sealed record NftElement(byte[] Key, NftVerdict? Verdict = null, byte[]? Data = null,
    TimeSpan? Timeout = null, string? Comment = null, bool IntervalEnd = false)
{
    /// <summary>Last key of a range, inclusive (concatenated interval sets only).</summary>
    public byte[]? KeyEnd { get; init; }

    /// <summary>Time left before a timed element expires (filled in by dumps).</summary>
    public TimeSpan? Expires { get; init; }

    public string KeyHex => Convert.ToHexString(Key);
    public override string ToString() => $"element {KeyHex}{(IntervalEnd ? " (end)" : "")}";
}
