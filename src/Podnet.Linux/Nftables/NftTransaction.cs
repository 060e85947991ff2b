namespace Podnet.Linux.Nftables;

/// <summary>One change inside a transaction. Runners apply the list in order, all or nothing.</summary>
public abstract record NftCommand;

public sealed record NftAddTable(NftTable Table) : NftCommand;
public sealed record NftDeleteTable(NftTable Table, bool IfExists = false) : NftCommand;
public sealed record NftAddChain(NftChain Chain) : NftCommand;
public sealed record NftFlushChain(NftTable Table, string Chain) : NftCommand;
public sealed record NftDeleteChain(NftTable Table, string Chain, bool IfExists = false) : NftCommand;
public sealed record NftAddRule(NftRule Rule) : NftCommand;
public sealed record NftDeleteRule(NftTable Table, string Chain, ulong Handle, bool IfExists = false) : NftCommand;
public sealed record NftAddSet(NftSet Set) : NftCommand;
public sealed record NftFlushSet(NftTable Table, string Set) : NftCommand;
public sealed record NftDeleteSet(NftTable Table, string Set, bool IfExists = false) : NftCommand;
public sealed record NftAddElements(NftTable Table, string Set, IReadOnlyList<NftElement> Elements) : NftCommand;
public sealed record NftDeleteElements(NftTable Table, string Set, IReadOnlyList<NftElement> Elements, bool IfExists = false) : NftCommand;

/// <summary>
/// An ordered list of changes that a runner applies atomically: either every command takes
/// effect, or none does. "Add" is idempotent for tables, chains and sets (like `nft add`).
/// </summary>
public sealed class NftTransaction
{
    private readonly List<NftCommand> _commands = [];
    public IReadOnlyList<NftCommand> Commands => _commands;
    public int Count => _commands.Count;

    public NftTransaction Add(NftCommand c) { _commands.Add(c); return this; }

    public NftTransaction AddTable(NftTable t) => Add(new NftAddTable(t));
    public NftTransaction DeleteTable(NftTable t, bool ifExists = false) => Add(new NftDeleteTable(t, ifExists));
    public NftTransaction AddChain(NftChain c) => Add(new NftAddChain(c));
    public NftTransaction FlushChain(NftTable t, string chain) => Add(new NftFlushChain(t, chain));
    public NftTransaction DeleteChain(NftTable t, string chain, bool ifExists = false) => Add(new NftDeleteChain(t, chain, ifExists));
    public NftTransaction AddRule(NftRule r) => Add(new NftAddRule(r));
    public NftTransaction AddRule(NftTable t, string chain, string? comment, params NftExpr[] exprs) => Add(new NftAddRule(new NftRule(t, chain, exprs, comment)));
    public NftTransaction DeleteRule(NftTable t, string chain, ulong handle, bool ifExists = false) => Add(new NftDeleteRule(t, chain, handle, ifExists));
    public NftTransaction AddSet(NftSet s) => Add(new NftAddSet(s));
    public NftTransaction FlushSet(NftTable t, string set) => Add(new NftFlushSet(t, set));
    public NftTransaction DeleteSet(NftTable t, string set, bool ifExists = false) => Add(new NftDeleteSet(t, set, ifExists));
    public NftTransaction AddElements(NftTable t, string set, IReadOnlyList<NftElement> e) => e.Count == 0 ? this : Add(new NftAddElements(t, set, e));
    public NftTransaction DeleteElements(NftTable t, string set, IReadOnlyList<NftElement> e, bool ifExists = false) => e.Count == 0 ? this : Add(new NftDeleteElements(t, set, e, ifExists));
}

public static class NftTransactionExtensions
{
    /// <summary>Applies the transaction with <paramref name="runner"/>; a no-op when empty.</summary>
    public static void Apply(this NftTransaction tx, INftRunner runner) { if (tx.Count > 0) runner.Apply(tx); }
}
