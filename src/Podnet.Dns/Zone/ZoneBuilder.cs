using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Podnet.Dns.Wire;

namespace Podnet.Dns.Zone;

/// <summary>
/// Builds a <see cref="ZoneIndex"/> from a <see cref="ClusterState"/>. Each Service's names and
/// answers are memoised per Service object, so after a change only the changed Services are
/// rebuilt and the rest is a dictionary merge.
/// </summary>
public sealed class ZoneBuilder
{
    private readonly ZoneOptions _options;
    private readonly byte[] _zone;
    private readonly string _zoneText;
    private readonly ConditionalWeakTable<DnsService, Contribution> _memo = new();
    private readonly object _lock = new();

    /// <summary>Problems seen in the last build (invalid names), for logging.</summary>
    public IReadOnlyList<string> Problems { get; private set; } = [];

    public ZoneBuilder(ZoneOptions options)
    {
        _options = options;
        _zone = DnsName.FromText(options.Zone);
        _zoneText = DnsName.ToText(_zone).TrimEnd('.');
    }

    public static ZoneIndex Build(ZoneOptions options, ClusterState state, bool synced = true) =>
        new ZoneBuilder(options).Build(state, synced);

    private sealed class Contribution(List<KeyValuePair<byte[], NameEntry>> entries)
    {
        public readonly List<KeyValuePair<byte[], NameEntry>> Entries = entries;
    }

    public ZoneIndex Build(ClusterState state, bool synced = true)
    {
        lock (_lock)
        {
            uint serial = (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var soaNames = (byte[])[.. Name("ns.dns"), .. Name("hostmaster")];
            // Serial changes each build, so contributions embedding the SOA are never memoised; service answers do not.
            var blobs = new BlobWriter(_options.Ttl, _zone, soaNames, serial);
            var problems = new List<string>();
            int total = 64;
            var contributions = new List<Contribution>(state.Services.Count);
            foreach (var svc in state.Services)
            {
                if (!_memo.TryGetValue(svc, out var c))
                {
                    c = BuildService(svc, blobs, problems);
                    _memo.AddOrUpdate(svc, c);
                }
                contributions.Add(c);
                total += c.Entries.Count;
            }

            var names = new Dictionary<byte[], NameEntry>(total, NameKeyComparer.Instance);
            foreach (var c in contributions)
                foreach (var (key, entry) in c.Entries)
                    Merge(names, key, entry, blobs);

            AddZoneNames(names, state, blobs);
            Problems = problems;
            return new ZoneIndex(_options, _zone, names, blobs.SoaRecord(), serial, synced);
        }
    }

    private byte[] Name(string relative) => DnsName.FromText(relative + "." + _zoneText);

    private void AddZoneNames(Dictionary<byte[], NameEntry> names, ClusterState state, BlobWriter blobs)
    {
        var apex = new NameEntry();
        apex.Soa = blobs.Build(_zone, RecordType.SOA, [], soaAnswer: true);
        var nsName = Name("ns.dns");
        var dnsIps = state.Services.FirstOrDefault(s => s.Namespace == "kube-system" && s.Name == "kube-dns")?.ClusterIPs ?? [];
        var nsAddrs = dnsIps.Select(ip => new PendingRecord(nsName, Type(ip), ip)).ToList();
        apex.Ns = blobs.Build(_zone, RecordType.NS, [new PendingRecord(_zone, RecordType.NS, Target: nsName)], nsAddrs);
        names[_zone] = apex;

        var version = Name("dns-version");
        names[version] = new NameEntry { Txt = blobs.Build(version, RecordType.TXT, [new PendingRecord(version, RecordType.TXT, Text: "1.1.0")]) };
        var ns = new NameEntry();
        if (nsAddrs.Count > 0)
        {
            var v4 = nsAddrs.Where(r => r.Type == RecordType.A).ToList();
            var v6 = nsAddrs.Where(r => r.Type == RecordType.AAAA).ToList();
            if (v4.Count > 0) ns.A = blobs.Build(nsName, RecordType.A, v4);
            if (v6.Count > 0) ns.Aaaa = blobs.Build(nsName, RecordType.AAAA, v6);
        }
        names.TryAdd(nsName, ns);
        names.TryAdd(Name("dns"), new NameEntry());
        names.TryAdd(Name("svc"), new NameEntry());
        if (_options.Pods != PodsMode.Disabled) names.TryAdd(Name("pod"), new NameEntry());
        if (_options.Pods == PodsMode.Verified)
            foreach (var pod in state.Pods)
            {
                if (!ValidLabel(pod.Namespace)) continue;
                var key = Name($"{Dashed(pod.Address)}.{pod.Namespace}.pod");
                var rec = new List<PendingRecord> { new(key, Type(pod.Address), pod.Address) };
                var e = names.TryGetValue(key, out var old) ? old : new NameEntry();
                if (rec[0].Type == RecordType.A) e.A ??= blobs.Build(key, RecordType.A, rec);
                else e.Aaaa ??= blobs.Build(key, RecordType.AAAA, rec);
                names[key] = e;
                names.TryAdd(Name($"{pod.Namespace}.pod"), new NameEntry());
            }
    }

    private static void Merge(Dictionary<byte[], NameEntry> names, byte[] key, NameEntry entry, BlobWriter blobs)
    {
        if (names.TryAdd(key, entry)) return;
        var old = names[key];
        if (old.IsEmpty) { names[key] = entry; return; }
        if (old.PtrTargets is { } a && entry.PtrTargets is { } b)
        {
            // Two Services share an address (rare): one PTR RRset with both names, built fresh so memoised entries stay untouched.
            var targets = a.Concat(b).DistinctBy(Convert.ToHexString).ToList();
            names[key] = new NameEntry
            {
                PtrTargets = targets,
                Ptr = blobs.Build(key, RecordType.PTR, targets.Select(t => new PendingRecord(key, RecordType.PTR, Target: t)).ToList()),
            };
        }
    }

    /// <summary>Names of one Service: the accumulated RRsets per name, then one blob per RRset.</summary>
    private Contribution BuildService(DnsService svc, BlobWriter blobs, List<string> problems)
    {
        var result = new List<KeyValuePair<byte[], NameEntry>>();
        if (!ValidLabel(svc.Name) || !ValidLabel(svc.Namespace))
        {
            problems.Add($"service {svc.Namespace}/{svc.Name}: name is not a valid DNS label, no records");
            return new Contribution(result);
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

        var ents = new HashSet<string>(StringComparer.Ordinal) { $"{svc.Namespace}.svc" };
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
                PtrTargets = targets,
                Ptr = blobs.Build(key, RecordType.PTR, targets.Select(t => new PendingRecord(key, RecordType.PTR, Target: t)).ToList()),
            }));
        }
        return new Contribution(result);
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
