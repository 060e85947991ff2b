namespace Podnet.Linux.Nftables;

/// <summary>A rule as listed: where it is, its handle (for deletion) and its comment.</summary>
public sealed record NftRuleInfo(string Chain, ulong Handle, string? Comment, IReadOnlyList<string> ExpressionNames);

/// <summary>What exists in one table, as dumped from the kernel (used to reconcile after a restart).</summary>
public sealed record NftTableState(
    NftTable Table,
    IReadOnlyDictionary<string, NftChain> Chains,
    IReadOnlyList<NftRuleInfo> Rules,
    IReadOnlyDictionary<string, NftSet> Sets,
    IReadOnlyDictionary<string, IReadOnlyList<NftElement>> Elements)
{
    public IEnumerable<NftRuleInfo> RulesOf(string chain) => Rules.Where(r => r.Chain == chain);
}
