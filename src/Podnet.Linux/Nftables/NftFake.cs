namespace Podnet.Linux.Nftables;

/// <summary>
/// An in-memory <see cref="INftRunner"/> for unit tests of rule-set logic (as kube-proxy tests
/// against knftables' fake). It checks what the kernel checks that matters to callers — objects
/// exist before use, jump targets exist, referenced chains are not deleted, elements are not added
/// twice with different data — and applies a transaction all-or-nothing with kernel-like errors.
/// </summary>
public sealed class NftFake : INftRunner
{
    private sealed class Table
    {
        public required NftTable Def;
        public Dictionary<string, (NftChain Def, List<(ulong Handle, NftRule Rule)> Rules)> Chains = [];
        public Dictionary<string, (NftSet Def, Dictionary<string, NftElement> Elements)> Sets = [];

        public Table Clone() => new()
        {
            Def = Def,
            Chains = Chains.ToDictionary(kv => kv.Key, kv => (kv.Value.Def, kv.Value.Rules.ToList())),
            Sets = Sets.ToDictionary(kv => kv.Key, kv => (kv.Value.Def, new Dictionary<string, NftElement>(kv.Value.Elements))),
        };
    }

    private Dictionary<(NftFamily, string), Table> _tables = [];
    private ulong _handle;
    private readonly Lock _lock = new();

    /// <summary>Every transaction applied successfully, in order.</summary>
    public List<NftTransaction> Applied { get; } = [];

    /// <summary>When set, the next Apply fails with this errno (for error-path tests of callers).</summary>
    public int? FailNextWith { get; set; }

    public void Apply(NftTransaction tx)
    {
        lock (_lock)
        {
            if (FailNextWith is { } errno)
            {
                FailNextWith = null;
                throw NftablesException.Kernel("apply transaction", "fake", errno);
            }
            var next = _tables.ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
            ulong handle = _handle;
            foreach (var c in tx.Commands) Execute(next, c, ref handle);
            _tables = next;
            _handle = handle;
            Applied.Add(tx);
        }
    }

    private static NftablesException Fail(string what, int errno) => NftablesException.Kernel(what, "fake", errno);
    private const int ENOENT = 2, EEXIST = 17, EBUSY = 16, EINVAL = 22;

    private static Table Get(Dictionary<(NftFamily, string), Table> ts, NftTable t, string what)
        => ts.TryGetValue((t.Family, t.Name), out var x) ? x : throw Fail(what, ENOENT);

    private static void Execute(Dictionary<(NftFamily, string), Table> ts, NftCommand c, ref ulong handle)
    {
        switch (c)
        {
            case NftAddTable a:
                ts.TryAdd((a.Table.Family, a.Table.Name), new Table { Def = a.Table });
                break;
            case NftDeleteTable d:
                if (!ts.Remove((d.Table.Family, d.Table.Name)) && !d.IfExists) throw Fail($"delete {d.Table}", ENOENT);
                break;
            case NftAddChain a:
            {
                var t = Get(ts, a.Chain.Table, $"add chain \"{a.Chain.Name}\" to {a.Chain.Table}");
                if (!t.Chains.ContainsKey(a.Chain.Name)) t.Chains[a.Chain.Name] = (a.Chain, []);
                break;
            }
            case NftFlushChain f:
            {
                var what = $"flush chain \"{f.Chain}\" of {f.Table}";
                var t = Get(ts, f.Table, what);
                if (!t.Chains.TryGetValue(f.Chain, out var ch)) throw Fail(what, ENOENT);
                ch.Rules.Clear();
                break;
            }
            case NftDeleteChain d:
            {
                var what = $"delete chain \"{d.Chain}\" of {d.Table}";
                if (!ts.TryGetValue((d.Table.Family, d.Table.Name), out var t) || !t.Chains.ContainsKey(d.Chain))
                {
                    if (d.IfExists) break;
                    throw Fail(what, ENOENT);
                }
                if (References(t).Contains(d.Chain)) throw Fail(what, EBUSY);
                t.Chains.Remove(d.Chain);
                break;
            }
            case NftAddRule a:
            {
                var what = $"add rule to chain \"{a.Rule.Chain}\" of {a.Rule.Table}";
                var t = Get(ts, a.Rule.Table, what);
                if (!t.Chains.TryGetValue(a.Rule.Chain, out var ch)) throw Fail(what, ENOENT);
                foreach (var target in Targets(a.Rule))
                    if (!t.Chains.ContainsKey(target)) throw Fail(what, ENOENT);
                foreach (var e in a.Rule.Expressions)
                    if (e is NftLookup l && !t.Sets.ContainsKey(l.Set) || e is NftDynset ds && !t.Sets.ContainsKey(ds.Set))
                        throw Fail(what, ENOENT);
                ch.Rules.Add((++handle, a.Rule));
                break;
            }
            case NftDeleteRule d:
            {
                var what = $"delete rule handle {d.Handle} from chain \"{d.Chain}\" of {d.Table}";
                if (!ts.TryGetValue((d.Table.Family, d.Table.Name), out var t) || !t.Chains.TryGetValue(d.Chain, out var ch)
                    || ch.Rules.RemoveAll(r => r.Handle == d.Handle) == 0)
                {
                    if (!d.IfExists) throw Fail(what, ENOENT);
                }
                break;
            }
            case NftAddSet a:
            {
                var t = Get(ts, a.Set.Table, $"add {a.Set.Kind} \"{a.Set.Name}\" to {a.Set.Table}");
                if (!t.Sets.ContainsKey(a.Set.Name)) t.Sets[a.Set.Name] = (a.Set, []);
                break;
            }
            case NftFlushSet f:
            {
                var what = $"flush set \"{f.Set}\" of {f.Table}";
                var t = Get(ts, f.Table, what);
                if (!t.Sets.TryGetValue(f.Set, out var s)) throw Fail(what, ENOENT);
                s.Elements.Clear();
                break;
            }
            case NftDeleteSet d:
            {
                var what = $"delete set \"{d.Set}\" of {d.Table}";
                if (!ts.TryGetValue((d.Table.Family, d.Table.Name), out var t) || !t.Sets.ContainsKey(d.Set))
                {
                    if (d.IfExists) break;
                    throw Fail(what, ENOENT);
                }
                if (t.Chains.Values.SelectMany(ch => ch.Rules).Any(r => r.Rule.Expressions.Any(e => e is NftLookup l && l.Set == d.Set || e is NftDynset ds && ds.Set == d.Set)))
                    throw Fail(what, EBUSY);
                t.Sets.Remove(d.Set);
                break;
            }
            case NftAddElements a:
            {
                foreach (var e in a.Elements)
                {
                    var what = $"add {e} to set \"{a.Set}\" of {a.Table}";
                    var t = Get(ts, a.Table, what);
                    if (!t.Sets.TryGetValue(a.Set, out var s)) throw Fail(what, ENOENT);
                    if (e.Key.Length != s.Def.KeyLength) throw Fail(what, EINVAL);
                    if (s.Def.IsMap != (e.Verdict is not null || e.Data is not null)) throw Fail(what, EINVAL);
                    if (e.Data is { } data && s.Def.Data is { } dt && dt != NftDataType.Verdict && data.Length != dt.Length) throw Fail(what, EINVAL);
                    if (e.KeyEnd is { } end && (end.Length != s.Def.KeyLength || (s.Def.Flags & NftSetFlags.Interval) == 0)) throw Fail(what, EINVAL);
                    if (e.Verdict?.Chain is { } target && !t.Chains.ContainsKey(target)) throw Fail(what, ENOENT);
                    if (s.Elements.TryGetValue(e.KeyHex, out var old))
                    {
                        if (old.Verdict != e.Verdict || !(old.Data ?? []).SequenceEqual(e.Data ?? [])) throw Fail(what, EEXIST);
                        continue;
                    }
                    s.Elements[e.KeyHex] = e;
                }
                break;
            }
            case NftDeleteElements d:
            {
                foreach (var e in d.Elements)
                {
                    var what = $"delete {e} from set \"{d.Set}\" of {d.Table}";
                    if (!ts.TryGetValue((d.Table.Family, d.Table.Name), out var t) || !t.Sets.TryGetValue(d.Set, out var s)
                        || !s.Elements.Remove(e.KeyHex))
                    {
                        if (!d.IfExists) throw Fail(what, ENOENT);
                    }
                }
                break;
            }
            default:
                throw new NftablesException($"unknown nftables command {c.GetType().Name}");
        }
    }

    private static IEnumerable<string> Targets(NftRule r)
    {
        foreach (var e in r.Expressions)
        {
            if (e is NftVerdictExpr { Verdict.Chain: { } c }) yield return c;
            if (e is NftInlineVmap m)
                foreach (var el in m.Elements)
                    if (el.Verdict?.Chain is { } c2) yield return c2;
        }
    }

    private static HashSet<string> References(Table t)
    {
        var refs = new HashSet<string>();
        foreach (var ch in t.Chains.Values)
            foreach (var (_, r) in ch.Rules)
                refs.UnionWith(Targets(r));
        foreach (var s in t.Sets.Values)
            foreach (var e in s.Elements.Values)
                if (e.Verdict?.Chain is { } c) refs.Add(c);
        return refs;
    }

    public NftTableState? List(NftTable table, bool withElements = true)
    {
        lock (_lock)
        {
            if (!_tables.TryGetValue((table.Family, table.Name), out var t)) return null;
            return new NftTableState(t.Def,
                t.Chains.ToDictionary(kv => kv.Key, kv => kv.Value.Def),
                t.Chains.SelectMany(kv => kv.Value.Rules.Select(r => new NftRuleInfo(kv.Key, r.Handle, r.Rule.Comment,
                    r.Rule.Expressions.Select(e => e.Name).ToArray()))).ToList(),
                t.Sets.ToDictionary(kv => kv.Key, kv => kv.Value.Def),
                withElements ? t.Sets.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<NftElement>)kv.Value.Elements.Values.ToList()) : new Dictionary<string, IReadOnlyList<NftElement>>());
        }
    }

    /// <summary>The rules of a chain as the records that were added (for asserting rule content).</summary>
    public IReadOnlyList<NftRule> RulesOf(NftTable table, string chain)
    {
        lock (_lock)
            return _tables.TryGetValue((table.Family, table.Name), out var t) && t.Chains.TryGetValue(chain, out var ch)
                ? ch.Rules.Select(r => r.Rule).ToList() : [];
    }

    /// <summary>A map's element for a key, or null.</summary>
    public NftElement? Element(NftTable table, string set, byte[] key)
    {
        lock (_lock)
            return _tables.TryGetValue((table.Family, table.Name), out var t) && t.Sets.TryGetValue(set, out var s)
                && s.Elements.TryGetValue(Convert.ToHexString(key), out var e) ? e : null;
    }
}
