namespace Podnet.Linux.Nftables;

/// <summary>Address families of nf_tables tables (NFPROTO_*).</summary>
public enum NftFamily : byte { Inet = 1, Ip = 2, Ip6 = 10 }

/// <summary>A table, identified by family and name.</summary>
public sealed record NftTable(NftFamily Family, string Name, string? Comment = null)
{
    public string FamilyName => Family switch { NftFamily.Ip => "ip", NftFamily.Ip6 => "ip6", _ => "inet" };
    public override string ToString() => $"table {FamilyName} {Name}";
}
