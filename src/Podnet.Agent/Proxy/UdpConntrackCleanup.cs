using System.Net;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Proxy;

/// <summary>
/// A UDP conntrack cleanup a sync calls for. UDP has no connection end, so a flow keeps its NAT
/// mapping as long as the client keeps sending: without this, clients stay stuck on a dead endpoint
/// (or on the reject of a service that has endpoints now) — kube-proxy's long-standing UDP bug.
/// </summary>
public abstract record UdpConntrackCleanup
{
    public abstract bool Matches(ConntrackEntry e);

    /// <summary>Flows DNATed to an endpoint that no longer gets traffic.</summary>
    public sealed record EndpointGone(IPAddress Address, ushort Port) : UdpConntrackCleanup
    {
        public override bool Matches(ConntrackEntry e) => e.Protocol == ProxyProtocols.Udp
            && e.ReplySrc.Equals(Address) && e.ReplySport == Port && !e.OrigDst.Equals(Address);
    }

    /// <summary>Flows to a service address that were not DNATed (it had no endpoints then).</summary>
    public sealed record ServiceGotEndpoints(IPAddress? Address, ushort Port) : UdpConntrackCleanup
    {
        // Address null: a NodePort, on any of the node's addresses.
        public override bool Matches(ConntrackEntry e) => e.Protocol == ProxyProtocols.Udp
            && (Address is null || e.OrigDst.Equals(Address)) && e.OrigDport == Port
            && e.ReplySrc.Equals(e.OrigDst) && e.ReplySport == e.OrigDport;
    }

    /// <summary>Deletes the matching entries; returns how many.</summary>
    public static int Run(NfConntrack ct, IReadOnlyCollection<UdpConntrackCleanup> cleanups)
        => cleanups.Count == 0 ? 0 : ct.Delete(e => cleanups.Any(c => c.Matches(e)));
}
