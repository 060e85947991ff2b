using Podnet.Linux.Nftables.Wire;

namespace Podnet.Linux.Nftables;

/// <summary>A verdict: accept, drop, return, jump or goto a chain.</summary>
public sealed record NftVerdictExpr(NftVerdict Verdict) : NftExpr
{
    internal override string Name => "immediate";
    internal override void EncodeData(NlWriter w) { w.PutU32(1, NftReg.Verdict); PutVerdict(w, 2, Verdict); }
}

/// <summary>Packet and byte counter.</summary>
public sealed record NftCounter : NftExpr
{
    internal override string Name => "counter";
    internal override void EncodeData(NlWriter w) { w.PutU64(1, 0); w.PutU64(2, 0); }
}

/// <summary>NAT flags (NF_NAT_RANGE_*).</summary>
[Flags]
public enum NftNatFlags : uint { None = 0, MapIps = 1, ProtoSpecified = 2, Random = 4, Persistent = 8, FullyRandom = 16 }

public enum NftNatType : uint { Snat = 0, Dnat = 1 }

/// <summary>snat/dnat to the address (and port) held in registers.</summary>
public sealed record NftNat(NftNatType Type, NftFamily Family, uint? AddrReg, uint? ProtoReg = null, NftNatFlags Flags = NftNatFlags.None) : NftExpr
{
    internal override string Name => "nat";
    internal override void EncodeData(NlWriter w)
    {
        w.PutU32(1, (uint)Type);
        w.PutU32(2, (uint)Family);
        if (AddrReg is { } a) w.PutU32(3, a);
        if (ProtoReg is { } p) w.PutU32(5, p);
        var flags = Flags | (AddrReg is null ? 0 : NftNatFlags.MapIps) | (ProtoReg is null ? 0 : NftNatFlags.ProtoSpecified);
        if (flags != 0) w.PutU32(7, (uint)flags);
    }
}

/// <summary>Source NAT to the outgoing interface's address.</summary>
public sealed record NftMasquerade(NftNatFlags Flags = NftNatFlags.None) : NftExpr
{
    internal override string Name => "masq";
    internal override void EncodeData(NlWriter w) { if (Flags != 0) w.PutU32(1, (uint)Flags); }
}

public enum NftRejectType : uint { IcmpUnreach = 0, TcpReset = 1, IcmpxUnreach = 2 }

/// <summary>Reject: ICMP unreachable (code 3 = port unreachable for IPv4), TCP reset, or family-neutral icmpx.</summary>
public sealed record NftReject(NftRejectType Type = NftRejectType.IcmpUnreach, byte Code = 3) : NftExpr
{
    internal override string Name => "reject";
    internal override void EncodeData(NlWriter w) { w.PutU32(1, (uint)Type); w.PutU8(2, Code); }
}

/// <summary>Skip connection tracking for this packet.</summary>
public sealed record NftNotrack : NftExpr
{
    internal override string Name => "notrack";
    internal override void EncodeData(NlWriter w) { }
}
