using Podnet.Linux.Nftables.Wire;

namespace Podnet.Linux.Nftables;

public enum NftCmpOp : uint { Eq = 0, Neq = 1, Lt = 2, Lte = 3, Gt = 4, Gte = 5 }

/// <summary>Compare a register with a constant; the rule stops here when it does not hold.</summary>
public sealed record NftCmp(NftCmpOp Op, byte[] Data, uint Sreg = NftReg.R1) : NftExpr
{
    internal override string Name => "cmp";
    internal override void EncodeData(NlWriter w) { w.PutU32(1, Sreg); w.PutU32(2, (uint)Op); PutValue(w, 3, Data); }
}

/// <summary>dreg = (sreg &amp; mask) ^ xor, e.g. to match a prefix or set a mark bit.</summary>
public sealed record NftBitwise(uint Length, byte[] Mask, byte[] Xor, uint Sreg = NftReg.R1, uint Dreg = NftReg.R1) : NftExpr
{
    internal override string Name => "bitwise";
    internal override void EncodeData(NlWriter w)
    {
        w.PutU32(1, Sreg); w.PutU32(2, Dreg); w.PutU32(3, Length);
        PutValue(w, 4, Mask); PutValue(w, 5, Xor);
    }
}

/// <summary>
/// Look the register up in a set (match, or no match when inverted) or a map (result into Dreg;
/// Dreg 0 makes it a verdict map: "vmap @name").
/// </summary>
public sealed record NftLookup(string Set, uint Sreg = NftReg.R1, uint? Dreg = null, bool Invert = false) : NftExpr
{
    internal override string Name => "lookup";
    internal override void EncodeData(NlWriter w)
    {
        w.PutString(1, Set);
        w.PutU32(2, Sreg);
        if (Dreg is { } d) w.PutU32(3, d);
        if (Invert) w.PutU32(5, 1);
    }
}

public enum NftDynsetOp : uint { Add = 0, Update = 1, Delete = 2 }

/// <summary>Add or refresh the register's value in a dynamic set from the packet path ("update @set { ip saddr }").</summary>
public sealed record NftDynset(string Set, NftDynsetOp Op, uint SregKey = NftReg.R1, TimeSpan? Timeout = null, uint? SregData = null) : NftExpr
{
    internal override string Name => "dynset";
    internal override void EncodeData(NlWriter w)
    {
        w.PutString(1, Set);
        w.PutU32(3, (uint)Op);
        w.PutU32(4, SregKey);
        if (SregData is { } d) w.PutU32(5, d);
        if (Timeout is { } t) w.PutU64(6, (ulong)t.TotalMilliseconds);
    }
}
