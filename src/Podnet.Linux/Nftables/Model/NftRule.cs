namespace Podnet.Linux.Nftables;

/// <summary>A rule to append to a chain: its expressions in order, and an optional comment.</summary>
public sealed record NftRule(NftTable Table, string Chain, IReadOnlyList<NftExpr> Expressions, string? Comment = null)
{
    public override string ToString() => $"rule in chain \"{Chain}\" of {Table}";
}
