using System.Net;
using Podnet.Linux.Nftables;
using static Podnet.Agent.Proxy.ProxyNames;

namespace Podnet.Agent.Proxy;

/// <summary>
/// Keeps the proxy's nftables table equal to the wanted services, sending only what changed, in one
/// atomic transaction per sync. Services without affinity are only set and map elements (see
/// <see cref="Skeleton"/>), so a change to one is a handful of element operations whatever the table size. Knows what
/// the kernel holds (chains by fingerprint, elements): after a restart <see cref="Restore"/> reads it
/// back, so nothing is flushed and unchanged elements are not rewritten. A failed sync changes
/// nothing and is retried at the next one.
/// </summary>
public sealed class ProxySyncer(INftRunner nft, ProxyConfig cfg, Action<string>? log = null)
{
    private static readonly object SkeletonKey = new();
    private static readonly object Orphan = new(), HairpinOwner = new();
    private readonly NftTable _table = new(NftFamily.Ip, cfg.TableName, "podnet service proxy");
    private readonly Action<string> _log = log ?? (_ => { });

    // Wanted inputs, and what each unit last put into the kernel.
    private readonly Dictionary<ServicePortName, (ServicePortInfo Info, IReadOnlyList<EndpointInfo> Eps)> _wanted = [];
    private readonly Dictionary<object, CompiledUnit> _applied = [];
    private readonly HashSet<object> _dirty = [SkeletonKey];

    // Skeleton size: the longest endpoint list it must pick from (grows, never shrinks while running).
    private SkeletonShape _shape = new(SkeletonShape.CountFor(1));
    private int _largestList = 1;

    // What the kernel holds: chain fingerprints (null: unknown content), elements by set|key, sets, hairpin users.
    private readonly Dictionary<string, string?> _chains = [];
    private readonly Dictionary<string, (MapEntry Entry, object Owner)> _entries = [];
    private readonly HashSet<string> _sets = [];
    private readonly Dictionary<IPAddress, int> _hairpinUsers = [];
    private bool _tableExists;
    private bool _pruneOrphans;

    public NftTable Table => _table;
    public int ServiceCount => _wanted.Count;
    public SkeletonShape Shape => _shape;

    // UDP endpoints that last got traffic, per service port (for conntrack cleanup).
    private readonly Dictionary<ServicePortName, HashSet<EndpointInfo>> _udpEps = [];

    /// <summary>UDP conntrack cleanups the last successful sync calls for (run them after it).</summary>
    public IReadOnlyList<UdpConntrackCleanup> UdpCleanups { get; private set; } = [];

    /// <summary>Statistics of the last successful sync.</summary>
    public (int Commands, int Units) LastSync { get; private set; }

    public void SetService(ServicePortInfo info, IReadOnlyList<EndpointInfo> endpoints)
    {
        if (_wanted.TryGetValue(info.Name, out var cur) && cur.Info.SameAs(info) && cur.Eps.SequenceEqual(endpoints)) return;
        _largestList = Math.Max(_largestList, Math.Max(ServiceCompiler.Usable(endpoints, false).Count, ServiceCompiler.Usable(endpoints, true).Count));
        _wanted[info.Name] = (info, endpoints.ToArray());
        _dirty.Add(info.Name);
    }

    public void DeleteService(ServicePortName name)
    {
        if (_wanted.Remove(name)) _dirty.Add(name);
    }

    /// <summary>What each health-check node port should report: the service and its local endpoints.</summary>
    public Dictionary<ushort, (string Service, int LocalEndpoints)> HealthChecks()
    {
        var d = new Dictionary<ushort, (string, int)>();
        foreach (var (name, w) in _wanted)
            if (w.Info is { ExternalPolicyLocal: true, HealthCheckNodePort: { } port })
            {
                int local = ServiceCompiler.Usable(w.Eps, true).Count;
                d[port] = ($"{name.Namespace}/{name.Name}", d.TryGetValue(port, out var cur) ? Math.Max(cur.Item2, local) : local);
            }
        return d;
    }

    /// <summary>The service ports currently wanted (to find ones that disappeared from the API).</summary>
    public IReadOnlyCollection<ServicePortName> Wanted => _wanted.Keys;

    public IReadOnlyList<EndpointInfo>? EndpointsOf(ServicePortName name) => _wanted.TryGetValue(name, out var w) ? w.Eps : null;

    /// <summary>
    /// Reads back what the kernel holds (after a restart). The next sync then only writes differences
    /// and removes chains, sets and elements that nothing wanted owns.
    /// </summary>
    public void Restore()
    {
        var state = nft.List(_table);
        _chains.Clear(); _entries.Clear(); _sets.Clear(); _applied.Clear(); _hairpinUsers.Clear();
        _tableExists = state is not null;
        _dirty.Add(SkeletonKey);
        foreach (var n in _wanted.Keys) _dirty.Add(n);
        if (state is null) return;
        foreach (var (c, fp) in FingerprintedChain.Read(state)) _chains[c] = fp;
        foreach (var s in state.Sets.Keys.Where(s => !s.StartsWith("__"))) _sets.Add(s);
        foreach (var (set, els) in state.Elements)
        {
            // Anonymous maps belong to rules; dynamic sets are the data path's (affinity).
            if (set.StartsWith("__") || (state.Sets[set].Flags & NftSetFlags.Dynamic) != 0) continue;
            foreach (var e in els)
            {
                if (e.IntervalEnd) continue;
                var me = new MapEntry(set, new NftElement(e.Key, e.Verdict, e.Data) { KeyEnd = e.KeyEnd });
                _entries[me.Key] = (me, Orphan);
            }
        }
        _pruneOrphans = true;
    }

    /// <summary>Writes pending changes in one transaction. Returns false (and logs) when the kernel refused it.</summary>
    public bool Sync()
    {
        var shape = new SkeletonShape(Math.Max(_shape.MaxCount, SkeletonShape.CountFor(_largestList)));
        if (shape != _shape) _dirty.Add(SkeletonKey);
        if (_dirty.Count == 0 && !_pruneOrphans) return true;
        // Very large syncs (a cold start with tens of thousands of services) go out as several
        // transactions split between service ports: each service still appears all at once (the
        // skeleton first), and neither the batch buffer nor the kernel's transaction grows without bound.
        var keys = _dirty.OrderBy(k => ReferenceEquals(k, SkeletonKey) ? 0 : 1).ToList();
        var updates = new List<UdpConntrackCleanup>();
        int commands = 0, units = 0;
        for (int i = 0; i < keys.Count || i == 0; i += cfg.MaxServicePortsPerTransaction)
        {
            var group = keys.Skip(i).Take(cfg.MaxServicePortsPerTransaction).ToList();
            bool last = i + cfg.MaxServicePortsPerTransaction >= keys.Count;
            if (!SyncGroup(group, shape, prune: last && _pruneOrphans)) return false;
            foreach (var k in group) _dirty.Remove(k);
            updates.AddRange(UdpCleanups);
            commands += LastSync.Commands;
            units += group.Count;
        }
        _pruneOrphans = false;
        UdpCleanups = updates;
        LastSync = (commands, units);
        return true;
    }

    private bool SyncGroup(List<object> keys, SkeletonShape shape, bool prune)
    {
        var tx = new NftTransaction();
        if (!_tableExists) tx.AddTable(_table);

        var compiled = new Dictionary<object, CompiledUnit>();
        foreach (var key in keys)
        {
            if (ReferenceEquals(key, SkeletonKey)) { compiled[key] = Skeleton.Build(cfg, shape); continue; }
            compiled[key] = _wanted.TryGetValue((ServicePortName)key, out var w) ? ServiceCompiler.Compile(cfg, w.Info, w.Eps) : CompiledUnit.Empty;
        }

        // Sets and chains to create first (empty), so rules and elements can refer to them in any order.
        var newChains = new Dictionary<string, string?>();
        var newSets = new List<string>();
        var addRules = new List<FingerprintedChain>();
        var flushRefill = new List<FingerprintedChain>();
        var keepChains = new HashSet<string>();
        var keepSets = new HashSet<string>();
        foreach (var (key, unit) in compiled)
        {
            foreach (var s in unit.Sets)
            {
                keepSets.Add(s.Name);
                if (!_sets.Contains(s.Name)) { tx.AddSet(s); newSets.Add(s.Name); }
            }
            foreach (var c in unit.Chains)
            {
                keepChains.Add(c.Name);
                if (!_chains.TryGetValue(c.Name, out var fp))
                {
                    tx.AddChain(new NftChain(_table, c.Name, c.Base));
                    addRules.Add(c);
                }
                else if (fp != c.Fingerprint)
                {
                    if (c.Base is not null) tx.AddChain(new NftChain(_table, c.Name, c.Base));
                    flushRefill.Add(c);
                }
                newChains[c.Name] = c.Fingerprint;
            }
        }
        foreach (var c in flushRefill)
        {
            tx.FlushChain(_table, c.Name);
            foreach (var r in c.ToRules(_table)) tx.AddRule(r);
        }
        foreach (var c in addRules)
            foreach (var r in c.ToRules(_table)) tx.AddRule(r);

        // Elements: delete what units no longer want (or want with other data), then add.
        var entriesAfter = new Dictionary<string, (MapEntry, object)?>();
        foreach (var (key, unit) in compiled)
        {
            var wantedHere = new HashSet<string>();
            foreach (var e in unit.Entries)
            {
                if (_entries.TryGetValue(e.Key, out var cur) && !Equals(cur.Owner, key) && cur.Owner != Orphan && !compiled.ContainsKey(cur.Owner))
                {
                    _log($"proxy: {key} wants {e.Map} element {e.Element.KeyHex} owned by {cur.Owner}; skipped");
                    continue;
                }
                if (entriesAfter.TryGetValue(e.Key, out var taken) && taken is { } t2 && !Equals(t2.Item2, key))
                {
                    _log($"proxy: {key} wants {e.Map} element {e.Element.KeyHex} also wanted by {t2.Item2}; skipped");
                    continue;
                }
                wantedHere.Add(e.Key);
                entriesAfter[e.Key] = (e, key);
            }
            if (_applied.TryGetValue(key, out var old))
                foreach (var e in old.Entries)
                    if (!wantedHere.Contains(e.Key) && !entriesAfter.ContainsKey(e.Key) && _entries.TryGetValue(e.Key, out var cur) && Equals(cur.Owner, key))
                        entriesAfter[e.Key] = null;
        }

        // Hairpin elements are shared by every service with that endpoint: counted.
        var hairpinAfter = new Dictionary<IPAddress, int>();
        foreach (var (key, unit) in compiled)
        {
            if (_applied.TryGetValue(key, out var old))
                foreach (var a in old.Hairpins) hairpinAfter[a] = hairpinAfter.GetValueOrDefault(a, _hairpinUsers.GetValueOrDefault(a)) - 1;
            foreach (var a in unit.Hairpins) hairpinAfter[a] = hairpinAfter.GetValueOrDefault(a, _hairpinUsers.GetValueOrDefault(a)) + 1;
        }
        foreach (var (a, n) in hairpinAfter)
        {
            var e = new MapEntry(HairpinSet, new NftElement(ProxyData.Hairpin(a)));
            if (n > 0) entriesAfter[e.Key] = (e, HairpinOwner);
            else if (_entries.ContainsKey(e.Key)) entriesAfter[e.Key] = null;
        }

        var dels = new Dictionary<string, List<NftElement>>();
        var adds = new Dictionary<string, List<NftElement>>();
        foreach (var (k, after) in entriesAfter)
        {
            _entries.TryGetValue(k, out var before);
            var b = before.Entry;
            if (after is { } a)
            {
                if (b is not null && b.SameValue(a.Item1)) continue;
                if (b is not null) Bucket(dels, b.Map).Add(b.Element);
                Bucket(adds, a.Item1.Map).Add(a.Item1.Element);
            }
            else if (b is not null) Bucket(dels, b.Map).Add(b.Element);
        }

        // Orphans after a restart: elements, chains and sets nothing owns any more.
        var orphanChains = new List<string>();
        var orphanSets = new List<string>();
        if (prune)
        {
            var owned = _applied.Where(kv => !compiled.ContainsKey(kv.Key)).SelectMany(kv => kv.Value.Chains.Select(c => c.Name)).ToHashSet();
            owned.UnionWith(keepChains);
            var ownedSets = _applied.Where(kv => !compiled.ContainsKey(kv.Key)).SelectMany(kv => kv.Value.Sets.Select(s => s.Name)).ToHashSet();
            ownedSets.UnionWith(keepSets);
            orphanSets.AddRange(_sets.Where(s => !ownedSets.Contains(s)));
            foreach (var (k, v) in _entries)
                if (v.Owner == Orphan && !entriesAfter.ContainsKey(k))
                {
                    // Elements of a set that goes away go with it.
                    if (!orphanSets.Contains(v.Entry.Map)) Bucket(dels, v.Entry.Map).Add(v.Entry.Element);
                    entriesAfter[k] = null;
                }
            orphanChains.AddRange(_chains.Keys.Where(c => !owned.Contains(c)));
        }

        foreach (var (map, els) in dels) tx.DeleteElements(_table, map, els);
        foreach (var (map, els) in adds) tx.AddElements(_table, map, els);

        // Chains and sets dropped: flush the chains (their rules' references go), delete the sets
        // (their elements' references go), then delete the chains.
        var goneChains = new List<string>(orphanChains);
        var goneSets = new List<string>(orphanSets);
        foreach (var (key, _) in compiled)
        {
            if (!_applied.TryGetValue(key, out var old)) continue;
            goneChains.AddRange(old.Chains.Select(c => c.Name).Where(n => !keepChains.Contains(n)));
            goneSets.AddRange(old.Sets.Select(s => s.Name).Where(n => !keepSets.Contains(n)));
        }
        goneChains = goneChains.Distinct().ToList();
        goneSets = goneSets.Distinct().ToList();
        foreach (var c in goneChains) tx.FlushChain(_table, c);
        foreach (var s in goneSets) tx.DeleteSet(_table, s);
        foreach (var c in goneChains) tx.DeleteChain(_table, c);

        try
        {
            tx.Apply(nft);
        }
        catch (NftablesException e)
        {
            _log($"proxy: sync of {compiled.Count} service ports failed, keeping the last good rules: {e.Message}");
            return false;
        }

        // Commit our view of the kernel.
        _tableExists = true;
        if (compiled.ContainsKey(SkeletonKey)) _shape = shape;
        foreach (var (c, fp) in newChains) _chains[c] = fp;
        foreach (var c in goneChains) _chains.Remove(c);
        foreach (var s in newSets) _sets.Add(s);
        foreach (var s in goneSets) _sets.Remove(s);
        foreach (var (k, after) in entriesAfter)
        {
            if (after is { } a) _entries[k] = (a.Item1, a.Item2);
            else _entries.Remove(k);
        }
        foreach (var (a, n) in hairpinAfter)
            if (n > 0) _hairpinUsers[a] = n; else _hairpinUsers.Remove(a);
        foreach (var (key, unit) in compiled)
        {
            if (ReferenceEquals(unit, CompiledUnit.Empty)) _applied.Remove(key);
            else _applied[key] = unit;
        }
        UdpCleanups = UdpChanges(compiled.Keys);
        LastSync = (tx.Count, compiled.Count);
        return true;
    }

    private List<UdpConntrackCleanup> UdpChanges(IEnumerable<object> keys)
    {
        var list = new List<UdpConntrackCleanup>();
        foreach (var k in keys)
        {
            if (k is not ServicePortName { Protocol: ProxyProtocols.Udp } name) continue;
            _udpEps.TryGetValue(name, out var before);
            _wanted.TryGetValue(name, out var w);
            var now = w.Eps is null ? [] : ServiceCompiler.Usable(w.Eps, false).Concat(ServiceCompiler.Usable(w.Eps, true)).ToHashSet();
            foreach (var gone in (IEnumerable<EndpointInfo>?)before ?? [])
                if (!now.Contains(gone)) list.Add(new UdpConntrackCleanup.EndpointGone(gone.Address, gone.Port));
            if ((before is null || before.Count == 0) && now.Count > 0 && w.Info is { } info)
            {
                if (info.ClusterIP is { } cip) list.Add(new UdpConntrackCleanup.ServiceGotEndpoints(cip, info.Port));
                foreach (var ip in info.ExternalAddresses) list.Add(new UdpConntrackCleanup.ServiceGotEndpoints(ip, info.Port));
                if (info.NodePort is { } np) list.Add(new UdpConntrackCleanup.ServiceGotEndpoints(null, np));
            }
            if (now.Count > 0) _udpEps[name] = now; else _udpEps.Remove(name);
        }
        return list;
    }

    private static List<NftElement> Bucket(Dictionary<string, List<NftElement>> d, string map)
    {
        if (!d.TryGetValue(map, out var l)) d[map] = l = [];
        return l;
    }
}
