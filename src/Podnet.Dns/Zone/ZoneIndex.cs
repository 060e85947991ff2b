using Podnet.Dns.Wire;

namespace Podnet.Dns.Zone;

/// <summary>
/// The immutable lookup structure for one cluster state: lowercase wire name → precomputed answers.
/// A new index is built on every change and swapped in atomically (<see cref="ZoneHolder"/>).
/// </summary>
public sealed class ZoneIndex
{
    public const int ShardCount = 256;
    private readonly Dictionary<byte[], NameEntry>[] _shards;
    private readonly Dictionary<byte[], NameEntry>.AlternateLookup<ReadOnlySpan<byte>>[] _lookups;

    public ZoneOptions Options { get; }
    /// <summary>The zone apex in lowercase wire form.</summary>
    public byte[] Zone { get; }
    /// <summary><c>pod.&lt;zone&gt;</c> in wire form.</summary>
    public byte[] PodZone { get; }
    /// <summary>False until the first sync from the API: in-zone queries get SERVFAIL meanwhile.</summary>
    public bool Synced { get; }
    /// <summary>The zone's SOA record written without compression, so it can follow any question.</summary>
    public byte[] SoaRecord { get; }
    public uint Serial { get; }
    public int NameCount => _shards.Sum(s => s.Count);

    internal ZoneIndex(ZoneOptions options, byte[] zone, Dictionary<byte[], NameEntry>[] shards, byte[] soaRecord, uint serial, bool synced)
    {
        Options = options;
        Zone = zone;
        PodZone = [.. "\u0003pod"u8, .. zone];
        _shards = shards;
        _lookups = shards.Select(s => s.GetAlternateLookup<ReadOnlySpan<byte>>()).ToArray();
        SoaRecord = soaRecord;
        Serial = serial;
        Synced = synced;
    }

    public NameEntry? Find(ReadOnlySpan<byte> lowerName) =>
        _lookups[ShardOf(lowerName)].TryGetValue(lowerName, out var e) ? e : null;

    /// <summary>The shard of a name: the top bits of a multiplicative mix of its hash.</summary>
    internal static int ShardOf(ReadOnlySpan<byte> name) =>
        (int)(((uint)NameKeyComparer.Instance.GetHashCode(name) * 0x9E3779B1u) >> 24);

    public bool InZone(ReadOnlySpan<byte> lowerName) => DnsName.IsInZone(lowerName, Zone);

    /// <summary>An index that answers SERVFAIL for the zone until the first sync.</summary>
    public static ZoneIndex Unsynced(ZoneOptions options) => ZoneBuilder.Build(options, ClusterState.Empty, synced: false);
}
