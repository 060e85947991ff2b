using Podnet.Linux.Nftables.Wire;

namespace Podnet.Linux.Nftables;

/// <summary>
/// Registers: 0 holds the verdict; 1-4 are the 16-byte registers; 8-23 the 32-bit ones that
/// concatenations fill one field per register (as nft does).
/// </summary>
public static class NftReg
{
    public const uint Verdict = 0, R1 = 1, R2 = 2;
    public static uint R32(int n) => (uint)(8 + n);
}

/// <summary>One expression of a rule. Each subtype knows its kernel name and attributes.</summary>
public abstract record NftExpr
{
    internal abstract string Name { get; }
    internal abstract void EncodeData(NlWriter w);

    internal void Encode(NlWriter w)
    {
        int elem = w.BeginNested(NlConst.LIST_ELEM);
        w.PutString(NlConst.EXPR_NAME, Name);
        int data = w.BeginNested(NlConst.EXPR_DATA);
        EncodeData(w);
        w.EndNested(data);
        w.EndNested(elem);
    }

    internal static void PutValue(NlWriter w, ushort type, ReadOnlySpan<byte> value)
    {
        int n = w.BeginNested(type);
        w.Put(NlConst.DATA_VALUE, value);
        w.EndNested(n);
    }

    internal static void PutVerdict(NlWriter w, ushort type, NftVerdict v)
    {
        int n = w.BeginNested(type);
        int vn = w.BeginNested(NlConst.DATA_VERDICT);
        w.PutU32(NlConst.VERDICT_CODE, unchecked((uint)(int)v.Code));
        if (v.Chain is not null) w.PutString(NlConst.VERDICT_CHAIN, v.Chain);
        w.EndNested(vn);
        w.EndNested(n);
    }
}
