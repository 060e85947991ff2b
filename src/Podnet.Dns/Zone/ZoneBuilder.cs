using System.Net;
using System.Net.Sockets;
using Podnet.Dns.Wire;

namespace Podnet.Dns.Zone;

/// <summary>
/// Builds <see cref="ZoneIndex"/> versions from successive <see cref="ClusterState"/>s,
/// incrementally: Services are compared by reference, only added and removed ones have their names
/// built or withdrawn, and only the index shards holding those names are copied. The rest of the
/// index is shared with the previous version, so a change costs time in proportion to its size.
/// </summary>
public sealed class ZoneBuilder
{
    private readonly ZoneOptions _options;
    private readonly byte[] _zone;
    private readonly string _zoneText;
    private readonly object _lock = new();

    private Dictionary<byte[], NameEntry>[] _shards;
    private Dictionary<byte[], NameEntry>?[] _working = new Dictionary<byte[], NameEntry>?[ZoneIndex.ShardCount];
    private readonly Dictionary<DnsService, Entries> _services = new(ReferenceEqualityComparer.Instance);
    /// <summary>Every owner of a name held by more than one contribution (two Services sharing an address in PTR).</summary>
    private readonly Dictionary<byte[], List<NameEntry>> _shared = new(NameKeyComparer.Instance);
    private Entries _apexNames = [], _namespaceNames = [], _podNames = [];
    private HashSet<string> _namespaces = [];
    private IReadOnlyList<DnsPod>? _pods;

    private sealed class Entries : List<KeyValuePair<byte[], NameEntry>>;

    /// <summary>Problems seen in the last build (invalid names), for logging.</summary>
    public IReadOnlyList<string> Problems { get; private set; } = [];

    public ZoneBuilder(ZoneOptions options)
    {
        _options = options;
        _zone = DnsName.FromText(options.Zone);
        _zoneText = DnsName.ToText(_zone).TrimEnd('.');
        _shards = new Dictionary<byte[], NameEntry>[ZoneIndex.ShardCount];
        for (int i = 0; i < _shards.Length; i++) _shards[i] = new Dictionary<byte[], NameEntry>(NameKeyComparer.Instance);
    }

    public static ZoneIndex Build(ZoneOptions options, ClusterState state, bool synced = true) =>
        new ZoneBuilder(options).Build(state, synced);

    public ZoneIndex Build(ClusterState state, bool synced = true)
    {
        lock (_lock)
        {
            uint serial = (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var soaNames = (byte[])[.. Name("ns.dns"), .. Name("hostmaster")];
            var blobs = new BlobWriter(_options.Ttl, _zone, soaNames, serial);
            var problems = new List<string>();

            var current = new HashSet<DnsService>(state.Services.Count, ReferenceEqualityComparer.Instance);
            foreach (var svc in state.Services) current.Add(svc);
            var gone = _services.Keys.Where(s => !current.Contains(s)).ToList();
            foreach (var svc in gone) { Withdraw(_services[svc], blobs); _services.Remove(svc); }
            foreach (var svc in state.Services)
            {
                if (_services.ContainsKey(svc)) continue;
                var entries = BuildService(svc, blobs, problems);
                _services[svc] = entries;
                Publish(entries, blobs);
            }

            var namespaces = state.Services.Select(s => s.Namespace).Where(ValidLabel).ToHashSet(StringComparer.Ordinal);
            if (!namespaces.SetEquals(_namespaces))
            {
                Withdraw(_namespaceNames, blobs);
                _namespaceNames = Empties(namespaces.Select(ns => $"{ns}.svc"));
                Publish(_namespaceNames, blobs);
                _namespaces = namespaces;
            }
            if (!ReferenceEquals(state.Pods, _pods))
            {
                Withdraw(_podNames, blobs);
                _podNames = PodNames(state.Pods, blobs);
                Publish(_podNames, blobs);
                _pods = state.Pods;
            }
            Withdraw(_apexNames, blobs); // the SOA serial changes with every version
            _apexNames = ApexNames(state, blobs);
            Publish(_apexNames, blobs);

            var next = (Dictionary<byte[], NameEntry>[])_shards.Clone();
            for (int i = 0; i < next.Length; i++)
                if (_working[i] is { } w) { next[i] = w; _working[i] = null; }
            _shards = next;
            Problems = problems;
            return new ZoneIndex(_options, _zone, next, blobs.SoaRecord(), serial, synced);
        }
    }

    /// <summary>The shard holding <paramref name="key"/>, copied on first write in this build.</summary>
    private Dictionary<byte[], NameEntry> Working(byte[] key)
    {
        int i = ZoneIndex.ShardOf(key);
        return _working[i] ??= new Dictionary<byte[], NameEntry>(_shards[i], NameKeyComparer.Instance);
    }

    private void Publish(Entries entries, BlobWriter blobs)
    {
        foreach (var (key, e) in entries)
        {
            var d = Working(key);
            if (!d.TryGetValue(key, out var existing)) { d[key] = e; continue; }
            if (!_shared.TryGetValue(key, out var owners)) _shared[key] = owners = [existing];
            owners.Add(e);
            d[key] = Combine(key, owners, blobs);
        }
    }

    private void Withdraw(Entries entries, BlobWriter blobs)
    {
        foreach (var (key, e) in entries)
        {
            var d = Working(key);
            if (_shared.TryGetValue(key, out var owners))
            {
                owners.Remove(e);
                if (owners.Count == 1) { d[key] = owners[0]; _shared.Remove(key); }
                else d[key] = Combine(key, owners, blobs);
            }
            else if (d.TryGetValue(key, out var v) && ReferenceEquals(v, e)) d.Remove(key);
        }
    }

    /// <summary>
    /// One entry for a name with several owners: PTR RRsets are joined (two Services sharing an
    /// address); otherwise the first owner with data wins (empty non-terminals have none).
    /// </summary>
    private static NameEntry Combine(byte[] key, List<NameEntry> owners, BlobWriter blobs)
    {
        if (owners.All(o => o.PtrTargets is not null))
        {
            var targets = owners.SelectMany(o => o.PtrTargets!).DistinctBy(Convert.ToHexString).ToArray();
            return new NameEntry
            {
                PtrTargets = targets,
                Ptr = blobs.Build(key, RecordType.PTR, targets.Select(t => new PendingRecord(key, RecordType.PTR, Target: t)).ToList()),
            };
        }
        return owners.FirstOrDefault(o => !o.IsEmpty) ?? owners[0];
    }

    private byte[] Name(string relative) => DnsName.FromText(relative + "." + _zoneText);

    private Entries Empties(IEnumerable<string> relatives)
    {
        var e = new Entries();
        foreach (var r in relatives) e.Add(new(Name(r), new NameEntry()));
        return e;
    }

    private Entries ApexNames(ClusterState state, BlobWriter blobs)
    {
        var result = new Entries();
        var apex = new NameEntry();
        apex.Soa = blobs.Build(_zone, RecordType.SOA, [], soaAnswer: true);
        var nsName = Name("ns.dns");
        var dnsIps = state.Services.FirstOrDefault(s => s.Namespace == "kube-system" && s.Name == "kube-dns")?.ClusterIPs ?? [];
        var nsAddrs = dnsIps.Select(ip => new PendingRecord(nsName, Type(ip), ip)).ToList();
        apex.Ns = blobs.Build(_zone, RecordType.NS, [new PendingRecord(_zone, RecordType.NS, Target: nsName)], nsAddrs);
        result.Add(new(_zone, apex));

        var version = Name("dns-version");
        result.Add(new(version, new NameEntry { Txt = blobs.Build(version, RecordType.TXT, [new PendingRecord(version, RecordType.TXT, Text: "1.1.0")]) }));
        var ns = new NameEntry();
        var v4 = nsAddrs.Where(r => r.Type == RecordType.A).ToList();
        var v6 = nsAddrs.Where(r => r.Type == RecordType.AAAA).ToList();
        if (v4.Count > 0) ns.A = blobs.Build(nsName, RecordType.A, v4);
        if (v6.Count > 0) ns.Aaaa = blobs.Build(nsName, RecordType.AAAA, v6);
        result.Add(new(nsName, ns));
        result.AddRange(Empties(_options.Pods != PodsMode.Disabled ? ["dns", "svc", "pod"] : ["dns", "svc"]));
        return result;
    }

    /// <summary><c>pods verified</c>: an A/AAAA record only for addresses of pods that exist in that namespace.</summary>
    private Entries PodNames(IReadOnlyList<DnsPod> pods, BlobWriter blobs)
    {
        var result = new Entries();
        if (_options.Pods != PodsMode.Verified) return result;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            if (!ValidLabel(pod.Namespace)) continue;
            var rel = $"{Dashed(pod.Address)}.{pod.Namespace}.pod";
            if (!seen.Add(rel)) continue;
            var key = Name(rel);
            var type = Type(pod.Address);
            var blob = blobs.Build(key, type, [new PendingRecord(key, type, pod.Address)]);
            result.Add(new(key, type == RecordType.A ? new NameEntry { A = blob } : new NameEntry { Aaaa = blob }));
        }
        foreach (var ns in pods.Select(p => p.Namespace).Where(ValidLabel).Distinct()) result.Add(new(Name($"{ns}.pod"), new NameEntry()));
        return result;
    }

    /// <summary>Names of one Service: the accumulated RRsets per name, then one blob per RRset.</summary>
    private Entries BuildService(DnsService svc, BlobWriter blobs, List<string> problems)
    {
        var result = new Entries();
        if (!ValidLabel(svc.Name) || !ValidLabel(svc.Namespace))
        {
            problems.Add($"service {svc.Namespace}/{svc.Name}: name is not a valid DNS label, no records");
            return result;
        }
        string baseText = $"{svc.Name}.{svc.Namespace}.svc";
        var sets = new Dictionary<string, RrSet>(StringComparer.Ordinal);
        RrSet Set(string rel) => sets.TryGetValue(rel, out var s) ? s : sets[rel] = new RrSet(Name(rel));
        var ptrs = new Dictionary<IPAddress, List<byte[]>>();
        void Ptr(IPAddress ip, byte[] target)
        {
            if (!ptrs.TryGetValue(ip, out var l)) ptrs[ip] = l = [];
            if (!l.Any(t => t.AsSpan().SequenceEqual(target))) l.Add(target);
        }

        var baseSet = Set(baseText);
        switch (svc.Kind)
        {
            case ServiceKind.ExternalName:
                if (svc.ExternalName is { } ext && DnsName.TryFromText(ext, out var extWire, out _))
                    baseSet.Cname = extWire;
                else
                    problems.Add($"service {svc.Namespace}/{svc.Name}: externalName \"{svc.ExternalName}\" is not a valid DNS name, no records");
                break;
            case ServiceKind.ClusterIP:
                foreach (var ip in svc.ClusterIPs) { baseSet.Add(ip); Ptr(ip, baseSet.Owner); }
                foreach (var p in svc.Ports)
                    if (SrvName(p) is { } srv) Set($"{srv}.{baseText}").AddSrv((ushort)p.Port, baseSet);
                break;
            case ServiceKind.Headless:
                foreach (var ep in svc.Endpoints)
                {
                    if (!ep.Ready && !svc.PublishNotReadyAddresses) continue;
                    var host = ep.Hostname is { } h && ValidLabel(h) ? h.ToLowerInvariant() : Dashed(ep.Address);
                    var hostSet = Set($"{host}.{baseText}");
                    hostSet.Add(ep.Address);
                    baseSet.Add(ep.Address);
                    Ptr(ep.Address, hostSet.Owner);
                    foreach (var p in ep.Ports)
                        if (SrvName(p) is { } srv) Set($"{srv}.{baseText}").AddSrv((ushort)p.Port, hostSet);
                }
                break;
        }

        var ents = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (rel, set) in sets)
        {
            result.Add(new(set.Owner, set.Materialize(blobs)));
            if (rel.StartsWith('_')) ents.Add(rel[(rel.IndexOf('.') + 1)..]); // _tcp.<svc>...
        }
        foreach (var rel in ents)
            if (!sets.ContainsKey(rel)) result.Add(new(Name(rel), new NameEntry()));
        foreach (var (ip, targets) in ptrs)
        {
            var key = DnsName.FromText(ReverseName(ip));
            result.Add(new(key, new NameEntry
            {
                PtrTargets = [.. targets],
                Ptr = blobs.Build(key, RecordType.PTR, targets.Select(t => new PendingRecord(key, RecordType.PTR, Target: t)).ToList()),
            }));
        }
        return result;
    }

    private static string? SrvName(DnsServicePort p)
    {
        if (string.IsNullOrEmpty(p.Name) || !ValidLabel(p.Name) || p.Port is <= 0 or > 65535) return null;
        var proto = string.IsNullOrEmpty(p.Protocol) ? "tcp" : p.Protocol.ToLowerInvariant();
        return $"_{p.Name.ToLowerInvariant()}._{proto}";
    }

    /// <summary>The RRsets of one name while a Service is being built.</summary>
    private sealed class RrSet(byte[] owner)
    {
        public readonly byte[] Owner = owner;
        public readonly List<IPAddress> V4 = [], V6 = [];
        private readonly HashSet<IPAddress> _seen = [];
        public readonly List<(ushort Port, RrSet Target)> Srv = [];
        public byte[]? Cname;

        public void Add(IPAddress ip)
        {
            if (!_seen.Add(ip)) return;
            (ip.AddressFamily == AddressFamily.InterNetworkV6 ? V6 : V4).Add(ip);
        }

        public void AddSrv(ushort port, RrSet target)
        {
            foreach (var (p, t) in Srv) if (p == port && ReferenceEquals(t, target)) return;
            Srv.Add((port, target));
        }

        public NameEntry Materialize(BlobWriter blobs)
        {
            var e = new NameEntry();
            if (Cname is not null)
            {
                e.Cname = blobs.Build(Owner, RecordType.CNAME, [new PendingRecord(Owner, RecordType.CNAME, Target: Cname)]);
                return e;
            }
            if (V4.Count > 0) e.A = blobs.Build(Owner, RecordType.A, V4.Select(ip => new PendingRecord(Owner, RecordType.A, ip)).ToList());
            if (V6.Count > 0) e.Aaaa = blobs.Build(Owner, RecordType.AAAA, V6.Select(ip => new PendingRecord(Owner, RecordType.AAAA, ip)).ToList());
            if (Srv.Count > 0)
            {
                var weight = (ushort)Math.Max(1, 100 / Srv.Count); // as CoreDNS: equal weights summing to about 100
                var answers = Srv.Select(s => new PendingRecord(Owner, RecordType.SRV, Target: s.Target.Owner, Port: s.Port, Weight: weight)).ToList();
                var additional = new List<PendingRecord>();
                foreach (var t in Srv.Select(s => s.Target).Distinct())
                {
                    additional.AddRange(t.V4.Select(ip => new PendingRecord(t.Owner, RecordType.A, ip)));
                    additional.AddRange(t.V6.Select(ip => new PendingRecord(t.Owner, RecordType.AAAA, ip)));
                }
                e.Srv = blobs.Build(Owner, RecordType.SRV, answers, additional);
            }
            return e;
        }
    }

    private static ushort Type(IPAddress ip) => ip.AddressFamily == AddressFamily.InterNetworkV6 ? RecordType.AAAA : RecordType.A;

    internal static bool ValidLabel(string s) =>
        s.Length is > 0 and <= DnsLimits.MaxLabel && s.All(c => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_');

    /// <summary>The address as a label, as CoreDNS writes it: 10-244-1-5, fd00--1.</summary>
    public static string Dashed(IPAddress ip) => ip.ToString().Replace('.', '-').Replace(':', '-');

    public static string ReverseName(IPAddress ip)
    {
        var b = ip.GetAddressBytes();
        if (b.Length == 4) return $"{b[3]}.{b[2]}.{b[1]}.{b[0]}.in-addr.arpa";
        var sb = new System.Text.StringBuilder(72);
        for (int i = 15; i >= 0; i--) sb.Append("0123456789abcdef"[b[i] & 0xF]).Append('.').Append("0123456789abcdef"[b[i] >> 4]).Append('.');
        return sb.Append("ip6.arpa").ToString();
    }
}
