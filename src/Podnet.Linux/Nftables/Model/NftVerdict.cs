namespace Podnet.Linux.Nftables;

/// <summary>Verdict codes: NF_DROP/NF_ACCEPT and nf_tables' own (NFT_JUMP, ...).</summary>
public enum NftVerdictCode { Drop = 0, Accept = 1, Continue = -1, Break = -2, Jump = -3, Goto = -4, Return = -5 }

/// <summary>A verdict; jump and goto name their target chain.</summary>
public sealed record NftVerdict(NftVerdictCode Code, string? Chain = null)
{
    public static readonly NftVerdict Accept = new(NftVerdictCode.Accept);
    public static readonly NftVerdict Drop = new(NftVerdictCode.Drop);
    public static readonly NftVerdict Return = new(NftVerdictCode.Return);
    public static readonly NftVerdict Continue = new(NftVerdictCode.Continue);
    public static NftVerdict Jump(string chain) => new(NftVerdictCode.Jump, chain);
    public static NftVerdict Goto(string chain) => new(NftVerdictCode.Goto, chain);

    public override string ToString() => Chain is null ? Code.ToString().ToLowerInvariant() : $"{Code.ToString().ToLowerInvariant()} {Chain}";
}
