using System.Net;

namespace Podnet.Linux.Netlink;

/// <summary>An interface address (RTM_NEWADDR): <c>10.244.1.5/24</c> on link <paramref name="Index"/>.</summary>
/// <param name="Index">ifindex of the link.</param>
/// <param name="Ip">The local address (IFA_LOCAL, else IFA_ADDRESS).</param>
/// <param name="PrefixLength">Prefix length.</param>
/// <param name="Scope">RT_SCOPE_*: 0 universe, 253 link, 254 host.</param>
/// <param name="Flags">IFA_F_* flags (IFA_FLAGS when present).</param>
/// <param name="Label">IFA_LABEL (IPv4 only).</param>
public sealed record Address(int Index, IPAddress Ip, int PrefixLength, byte Scope, uint Flags, string? Label)
{
    public override string ToString() => $"{Ip}/{PrefixLength}";
}
