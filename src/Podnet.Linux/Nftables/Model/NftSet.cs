namespace Podnet.Linux.Nftables;

[Flags]
public enum NftSetFlags : uint
{
    None = 0,
    Constant = 0x2,
    /// <summary>Elements are ranges/prefixes (CIDRs).</summary>
    Interval = 0x4,
    /// <summary>Elements may carry timeouts.</summary>
    Timeout = 0x10,
    /// <summary>Updated from the packet path (dynset), e.g. session affinity.</summary>
    Dynamic = 0x20,
}

/// <summary>
/// A set, or a map when <see cref="Data"/> is set (a verdict map when it is <see cref="NftDataType.Verdict"/>).
/// <see cref="Key"/> has more than one field for concatenations such as ipv4_addr . inet_proto . inet_service.
/// </summary>
public sealed record NftSet(NftTable Table, string Name, IReadOnlyList<NftDataType> Key, NftDataType? Data = null,
    NftSetFlags Flags = NftSetFlags.None, TimeSpan? Timeout = null, string? Comment = null)
{
    public bool IsMap => Data is not null;
    public int KeyLength => NftDataType.PaddedLength(Key);
    public string Kind => IsMap ? "map" : "set";
    public override string ToString() => $"{Kind} \"{Name}\" of {Table}";
}
