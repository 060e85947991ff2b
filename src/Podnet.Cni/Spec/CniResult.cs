using System.Net;

namespace Podnet.Cni.Spec;

/// <summary>The ADD success result in its version-neutral (1.1.0) shape.</summary>
public sealed record CniResult(
    string CniVersion,
    IReadOnlyList<CniInterface> Interfaces,
    IReadOnlyList<IpConfig> Ips,
    IReadOnlyList<CniRoute> Routes,
    CniDns? Dns)
{
    public static CniResult Empty(string version) => new(version, [], [], [], null);
}

public sealed record CniInterface(string Name, string? Mac = null, int? Mtu = null, string? Sandbox = null,
    string? SocketPath = null, string? PciId = null);

/// <summary>One address; Interface indexes CniResult.Interfaces (absent in IPAM results).</summary>
public sealed record IpConfig(Cidr Address, IPAddress? Gateway, int? Interface);

public sealed record CniRoute(Cidr Dst, IPAddress? Gw, int? Mtu = null, int? AdvMss = null, int? Priority = null,
    int? Table = null, int? Scope = null);

public sealed record CniDns(IReadOnlyList<string> Nameservers, string? Domain, IReadOnlyList<string> Search,
    IReadOnlyList<string> Options)
{
    public bool IsEmpty => Nameservers.Count == 0 && Domain is null && Search.Count == 0 && Options.Count == 0;
}
