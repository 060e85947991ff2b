using Podnet.Linux.Nftables.Wire;

namespace Podnet.Linux.Nftables;

public enum NftMetaKey : uint { Len = 0, Protocol = 1, Mark = 3, Iif = 4, Oif = 5, IifName = 6, OifName = 7, NfProto = 15, L4Proto = 16, PktType = 19 }

public enum NftPayloadBase : uint { LinkLayer = 0, Network = 1, Transport = 2 }

public enum NftCtKey : uint { State = 0, Direction = 1, Status = 2, Mark = 3, Src = 8, Dst = 9, Protocol = 10, ProtoSrc = 11, ProtoDst = 12, SrcIp = 19, DstIp = 20 }

public enum NftCtDirection : byte { Original = 0, Reply = 1 }

/// <summary>ct state bits (as matched by "ct state established,related").</summary>
[Flags]
public enum NftCtState : uint { Invalid = 1, Established = 2, Related = 4, New = 8, Untracked = 64 }

/// <summary>Load packet metadata into a register: "meta l4proto", "meta mark".</summary>
public sealed record NftMeta(NftMetaKey Key, uint Dreg = NftReg.R1) : NftExpr
{
    internal override string Name => "meta";
    internal override void EncodeData(NlWriter w) { w.PutU32(1, Dreg); w.PutU32(2, (uint)Key); }
}

/// <summary>Set packet metadata from a register: "meta mark set ...".</summary>
public sealed record NftMetaSet(NftMetaKey Key, uint Sreg = NftReg.R1) : NftExpr
{
    internal override string Name => "meta";
    internal override void EncodeData(NlWriter w) { w.PutU32(2, (uint)Key); w.PutU32(3, Sreg); }
}

/// <summary>Load header bytes into a register: "ip daddr" is network offset 16 length 4.</summary>
public sealed record NftPayload(NftPayloadBase Base, uint Offset, uint Length, uint Dreg = NftReg.R1) : NftExpr
{
    internal override string Name => "payload";
    internal override void EncodeData(NlWriter w) { w.PutU32(1, Dreg); w.PutU32(2, (uint)Base); w.PutU32(3, Offset); w.PutU32(4, Length); }
}

/// <summary>Load conntrack state into a register: "ct state", "ct original ip daddr".</summary>
public sealed record NftCt(NftCtKey Key, uint Dreg = NftReg.R1, NftCtDirection? Direction = null) : NftExpr
{
    internal override string Name => "ct";
    internal override void EncodeData(NlWriter w)
    {
        w.PutU32(1, Dreg);
        w.PutU32(2, (uint)Key);
        if (Direction is { } d) w.PutU8(3, (byte)d);
    }
}

/// <summary>Set conntrack state from a register: "ct mark set ...".</summary>
public sealed record NftCtSet(NftCtKey Key, uint Sreg = NftReg.R1) : NftExpr
{
    internal override string Name => "ct";
    internal override void EncodeData(NlWriter w) { w.PutU32(2, (uint)Key); w.PutU32(4, Sreg); }
}

public enum NftFibResult : uint { Oif = 1, OifName = 2, AddrType = 3 }

[Flags]
public enum NftFibFlags : uint { Saddr = 1, Daddr = 2, Mark = 4, Iif = 8, Oif = 16, Present = 32 }

/// <summary>A routing lookup: "fib daddr type local" is Flags=Daddr, Result=AddrType, compared to RTN_LOCAL (2).</summary>
public sealed record NftFib(NftFibFlags Flags, NftFibResult Result, uint Dreg = NftReg.R1) : NftExpr
{
    public const uint RtnLocal = 2;
    internal override string Name => "fib";
    internal override void EncodeData(NlWriter w) { w.PutU32(1, Dreg); w.PutU32(2, (uint)Result); w.PutU32(3, (uint)Flags); }
}

public enum NftNumgenType : uint { Incremental = 0, Random = 1 }

/// <summary>A number in [Offset, Offset+Modulus): "numgen random mod N", for picking an endpoint.</summary>
public sealed record NftNumgen(uint Modulus, NftNumgenType Type = NftNumgenType.Random, uint Dreg = NftReg.R1, uint Offset = 0) : NftExpr
{
    internal override string Name => "numgen";
    internal override void EncodeData(NlWriter w) { w.PutU32(1, Dreg); w.PutU32(2, Modulus); w.PutU32(3, (uint)Type); if (Offset != 0) w.PutU32(4, Offset); }
}

/// <summary>Load a constant into a data register.</summary>
public sealed record NftImmediate(uint Dreg, byte[] Value) : NftExpr
{
    internal override string Name => "immediate";
    internal override void EncodeData(NlWriter w) { w.PutU32(1, Dreg); PutValue(w, 2, Value); }
}
