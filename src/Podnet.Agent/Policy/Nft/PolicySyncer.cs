using Podnet.Agent.Policy.Compile;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Policy.Nft;

/// <summary>
/// Keeps the policy table equal to the wanted units, sending only differences — set elements,
/// map entries, chains whose fingerprint changed — as one atomic transaction per sync, so a pod is
/// never open while its rules are replaced. <see cref="Restore"/> reads the table back after a
/// restart: nothing is flushed, unchanged chains keep their handles, and what no unit wants any
/// more is removed in the first sync. A refused sync changes nothing; the next one retries it.
/// </summary>
public sealed class PolicySyncer(INftRunner nft, NftTable table, Action<string>? log = null)
{
    private readonly Action<string> _log = log ?? (_ => { });

    // Wanted: the union of every unit's output, and what each unit contributed.
    private readonly Dictionary<string, UnitOutput> _units = [];
    private readonly Dictionary<string, FingerprintedChain> _wantChains = [];
    private readonly Dictionary<string, SetContent> _wantSets = [];
    private readonly Dictionary<string, MapEntry> _wantEntries = [];
    private readonly HashSet<string> _touchedChains = [], _touchedSets = [], _touchedEntries = [];

    // What the kernel holds: chain fingerprints (null: unknown), sets with elements, map entries.
    private bool _tableExists;
    private readonly Dictionary<string, string?> _kChains = [];
    private readonly Dictionary<string, (NftSet Def, Dictionary<string, NftElement> Elements)> _kSets = [];
    private readonly Dictionary<string, MapEntry> _kEntries = [];

    public NftTable Table => table;

    /// <summary>Commands (0: the kernel already held it all) and elapsed time of the last successful sync.</summary>
    public (int Commands, TimeSpan Elapsed) LastSync { get; private set; }

    public bool Pending => _touchedChains.Count + _touchedSets.Count + _touchedEntries.Count > 0;

    /// <summary>Replaces a unit's contribution (null removes it).</summary>
    public void SetUnit(string key, UnitOutput? output)
    {
        if (_units.Remove(key, out var old))
        {
            foreach (var c in old.Chains) { _wantChains.Remove(c.Name); _touchedChains.Add(c.Name); }
            foreach (var s in old.Sets) { _wantSets.Remove(s.Def.Name); _touchedSets.Add(s.Def.Name); }
            foreach (var e in old.Entries) { _wantEntries.Remove(e.Id); _touchedEntries.Add(e.Id); }
        }
        if (output is null) return;
        _units[key] = output;
        foreach (var c in output.Chains) { _wantChains[c.Name] = c; _touchedChains.Add(c.Name); }
        foreach (var s in output.Sets) { _wantSets[s.Def.Name] = s; _touchedSets.Add(s.Def.Name); }
        foreach (var e in output.Entries) { _wantEntries[e.Id] = e; _touchedEntries.Add(e.Id); }
    }

    /// <summary>Reads the table back from the kernel; the next sync reconciles it with the wanted units.</summary>
    public void Restore()
    {
        var state = nft.List(table);
        _kChains.Clear(); _kSets.Clear(); _kEntries.Clear();
        _tableExists = state is not null;
        if (state is null) return;
        foreach (var (c, fp) in FingerprintedChain.Read(state)) { _kChains[c] = fp; _touchedChains.Add(c); }
        foreach (var (name, def) in state.Sets)
        {
            if (name.StartsWith("__")) continue; // anonymous sets live and die with their rules
            var els = state.Elements.GetValueOrDefault(name) ?? [];
            if (PolicyNames.HoldsEntries(name))
            {
                foreach (var e in els)
                {
                    var me = new MapEntry(name, e.Key, e.Verdict);
                    _kEntries[me.Id] = me;
                    _touchedEntries.Add(me.Id);
                }
            }
            _kSets[name] = (def, els.ToDictionary(ElementId));
            _touchedSets.Add(name);
        }
    }

    private static string ElementId(NftElement e) =>
        e.KeyHex + (e.KeyEnd is { } end ? "-" + Convert.ToHexString(end) : "") + (e.IntervalEnd ? "/end" : "");

    /// <summary>Writes pending changes as one transaction. Returns false (and logs) when the kernel refused it.</summary>
    public bool Sync()
    {
        if (!Pending && _tableExists) return true;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var tx = new NftTransaction();
        if (!_tableExists) tx.AddTable(table);

        // 1. New sets and (empty) chains, so elements, entries and rules may refer to them.
        var newSets = new List<SetContent>();
        foreach (var name in _touchedSets)
            if (_wantSets.TryGetValue(name, out var s) && !_kSets.ContainsKey(name)) { tx.AddSet(s.Def); newSets.Add(s); }
        var newChains = new List<FingerprintedChain>();
        var changedChains = new List<FingerprintedChain>();
        foreach (var name in _touchedChains)
        {
            if (!_wantChains.TryGetValue(name, out var c)) continue;
            if (!_kChains.TryGetValue(name, out var fp)) { tx.AddChain(new NftChain(table, name, c.Base)); newChains.Add(c); }
            else if (fp != c.Fingerprint) changedChains.Add(c);
        }

        // 2. Set elements: plain sets by difference; interval sets (whose ranges merge and must not
        // overlap) are refilled whole when they differ — flush and add in the same transaction, so no
        // packet sees them empty.
        var elementState = new Dictionary<string, Dictionary<string, NftElement>>();
        foreach (var name in _touchedSets)
        {
            if (!_wantSets.TryGetValue(name, out var s) || PolicyNames.HoldsEntries(name)) continue; // entries: step 4
            var want = new Dictionary<string, NftElement>(s.Elements.Count);
            foreach (var e in s.Elements) want[ElementId(e)] = e;
            var have = _kSets.TryGetValue(name, out var k) ? k.Elements : [];
            if (s.Def.Flags.HasFlag(NftSetFlags.Interval))
            {
                if (have.Count != want.Count || !want.Keys.All(have.ContainsKey))
                {
                    if (have.Count > 0) tx.FlushSet(table, name);
                    tx.AddElements(table, name, s.Elements);
                }
            }
            else
            {
                tx.DeleteElements(table, name, have.Where(kv => !want.ContainsKey(kv.Key)).Select(kv => kv.Value).ToList());
                tx.AddElements(table, name, want.Where(kv => !have.ContainsKey(kv.Key)).Select(kv => kv.Value).ToList());
            }
            elementState[name] = want;
        }

        // 3. Rules of new and changed chains (all targets exist by now).
        foreach (var c in changedChains)
        {
            if (c.Base is not null) tx.AddChain(new NftChain(table, c.Name, c.Base));
            tx.FlushChain(table, c.Name);
            foreach (var r in c.ToRules(table)) tx.AddRule(r);
        }
        foreach (var c in newChains) foreach (var r in c.ToRules(table)) tx.AddRule(r);

        // 4. Dispatch entries: removed or re-pointed ones go before new ones; their chains exist.
        var entryDels = new Dictionary<string, List<NftElement>>();
        var entryAdds = new Dictionary<string, List<NftElement>>();
        foreach (var id in _touchedEntries)
        {
            _kEntries.TryGetValue(id, out var have);
            _wantEntries.TryGetValue(id, out var want);
            if (have is not null && want is not null && have.Verdict == want.Verdict) continue;
            if (have is not null) Bucket(entryDels, have.Map).Add(new NftElement(have.Key));
            if (want is not null) Bucket(entryAdds, want.Map).Add(new NftElement(want.Key, want.Verdict));
        }
        foreach (var (map, els) in entryDels) tx.DeleteElements(table, map, els);
        foreach (var (map, els) in entryAdds) tx.AddElements(table, map, els);

        // 5. Chains and sets nobody wants: flush all of them first (their jumps go), then delete.
        var goneChains = _touchedChains.Where(n => !_wantChains.ContainsKey(n) && _kChains.ContainsKey(n)).ToList();
        foreach (var c in goneChains) tx.FlushChain(table, c);
        foreach (var c in goneChains) tx.DeleteChain(table, c);
        var goneSets = _touchedSets.Where(n => !_wantSets.ContainsKey(n) && _kSets.ContainsKey(n)).ToList();
        foreach (var s in goneSets) tx.DeleteSet(table, s);

        try { tx.Apply(nft); }
        catch (NftablesException e)
        {
            _log($"netpol: sync of {tx.Count} changes failed, keeping the last good rules: {e.Message}");
            return false;
        }

        // Commit our view of the kernel.
        _tableExists = true;
        foreach (var c in newChains.Concat(changedChains)) _kChains[c.Name] = c.Fingerprint;
        foreach (var c in goneChains) _kChains.Remove(c);
        foreach (var s in newSets) _kSets[s.Def.Name] = (s.Def, []);
        foreach (var (name, els) in elementState) _kSets[name] = (_kSets[name].Def, els);
        foreach (var s in goneSets) _kSets.Remove(s);
        foreach (var id in _touchedEntries)
        {
            if (_wantEntries.TryGetValue(id, out var w)) _kEntries[id] = w;
            else _kEntries.Remove(id);
        }
        _touchedChains.Clear(); _touchedSets.Clear(); _touchedEntries.Clear();
        LastSync = (tx.Count, sw.Elapsed);
        return true;
    }

    private static List<NftElement> Bucket(Dictionary<string, List<NftElement>> d, string k)
    {
        if (!d.TryGetValue(k, out var l)) d[k] = l = [];
        return l;
    }
}
