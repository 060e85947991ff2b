namespace Podnet.Linux.Nftables;

/// <summary>
/// An nft data type: its id in nft's type table (so `nft list` prints values readably) and its
/// length on the wire. Concatenated keys pad every field to 4 bytes (one 32-bit register each).
/// </summary>
public sealed record NftDataType(string Name, uint Id, int Length)
{
    public static readonly NftDataType Mark = new("mark", 19, 4);
    public static readonly NftDataType Ipv4Addr = new("ipv4_addr", 7, 4);
    public static readonly NftDataType Ipv6Addr = new("ipv6_addr", 8, 16);
    public static readonly NftDataType InetProto = new("inet_proto", 12, 1);
    public static readonly NftDataType InetService = new("inet_service", 13, 2);
    public static readonly NftDataType IfName = new("ifname", 41, 16);
    public static readonly NftDataType Verdict = new("verdict", 1, 0);

    /// <summary>A concatenation used as a map's data type (e.g. ipv4_addr . inet_service for "dnat to ... map").</summary>
    public static NftDataType Concat(params NftDataType[] fields)
        => new(string.Join(" . ", fields.Select(f => f.Name)), ConcatId(fields), PaddedLength(fields));

    /// <summary>nft encodes a concatenation's type as the field ids packed 6 bits apart.</summary>
    public static uint ConcatId(IReadOnlyList<NftDataType> fields)
    {
        uint id = 0;
        foreach (var f in fields) id = id << 6 | f.Id;
        return id;
    }

    public static int PaddedLength(IReadOnlyList<NftDataType> fields)
    {
        if (fields.Count == 1) return fields[0].Length;
        int n = 0;
        foreach (var f in fields) n += (f.Length + 3) & ~3;
        return n;
    }
}
