using Podnet.Linux.Nftables.Wire;

namespace Podnet.Linux.Nftables;

/// <summary>
/// An anonymous constant verdict map bound to its rule, e.g. "numgen random mod 2 vmap { 0 : goto a, 1 : goto b }".
/// The encoder creates the map in the same batch just before the rule; it lives and dies with the rule.
/// </summary>
public sealed record NftInlineVmap(NftDataType Key, IReadOnlyList<NftElement> Elements, uint Sreg = NftReg.R1) : NftExpr
{
    /// <summary>nft's plain integer type, used for numgen results.</summary>
    public static readonly NftDataType Integer = new("integer", 4, 4);

    /// <summary>Elements 0..N-1 (host-order u32 keys, as numgen produces) mapping to the given verdicts.</summary>
    public static NftInlineVmap ByIndex(IReadOnlyList<NftVerdict> verdicts, uint sreg = NftReg.R1)
        => new(Integer, verdicts.Select((v, i) => new NftElement(BitConverter.GetBytes((uint)i), v)).ToArray(), sreg);

    internal override string Name => "lookup";

    // Filled by the encoder: the anonymous map is referenced by its transaction-local id.
    internal override void EncodeData(NlWriter w) => throw new InvalidOperationException("inline maps are encoded by the batch encoder");

    internal void Encode(NlWriter w, uint setId)
    {
        int elem = w.BeginNested(NlConst.LIST_ELEM);
        w.PutString(NlConst.EXPR_NAME, Name);
        int data = w.BeginNested(NlConst.EXPR_DATA);
        w.PutString(1, "__map%d");
        w.PutU32(2, Sreg);
        w.PutU32(3, NftReg.Verdict);
        w.PutU32(4, setId);
        w.EndNested(data);
        w.EndNested(elem);
    }
}
