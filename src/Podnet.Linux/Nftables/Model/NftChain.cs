namespace Podnet.Linux.Nftables;

public enum NftChainType { Filter, Nat, Route }

/// <summary>Netfilter hooks (NF_INET_*).</summary>
public enum NftHook { Prerouting = 0, Input = 1, Forward = 2, Output = 3, Postrouting = 4 }

/// <summary>What makes a chain a base chain: its type, hook, priority and policy.</summary>
public sealed record NftBaseChain(NftChainType Type, NftHook Hook, int Priority, bool PolicyDrop = false)
{
    /// <summary>Standard priorities, as nft names them.</summary>
    public const int DstNat = -100, Filter = 0, SrcNat = 100, Raw = -300, Mangle = -150;

    public string TypeName => Type switch { NftChainType.Nat => "nat", NftChainType.Route => "route", _ => "filter" };
}

/// <summary>A chain in a table; a base chain when <see cref="Base"/> is set.</summary>
public sealed record NftChain(NftTable Table, string Name, NftBaseChain? Base = null, string? Comment = null)
{
    public override string ToString() => $"chain \"{Name}\" of {Table}";
}
