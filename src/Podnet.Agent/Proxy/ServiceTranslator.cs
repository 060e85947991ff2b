using System.Net;
using System.Net.Sockets;
using Podnet.Api.Models;

namespace Podnet.Agent.Proxy;

/// <summary>
/// Turns a Service and its EndpointSlices into the proxy's per-port view. EndpointSlice ports carry
/// the resolved numbers of named target ports, matched to service ports by name and protocol.
/// Headless and ExternalName services get no rules; IPv6 addresses are skipped (the table is ip).
/// </summary>
public static class ServiceTranslator
{
    public static readonly TimeSpan DefaultAffinityTimeout = TimeSpan.FromSeconds(10800);

    public static List<(ServicePortInfo Info, List<EndpointInfo> Endpoints)> Translate(Service svc, IEnumerable<EndpointSlice> slices, string nodeName)
    {
        var result = new List<(ServicePortInfo, List<EndpointInfo>)>();
        var spec = svc.Spec;
        string ns = svc.Metadata.Namespace ?? "default", name = svc.Metadata.Name ?? "";
        if (spec.Type == "ExternalName" || spec.ClusterIP == "None") return result;
        var clusterIp = V4(spec.ClusterIP);
        bool nodePorts = spec.Type is "NodePort" or "LoadBalancer";
        var externalIps = (spec.ExternalIPs ?? []).Select(V4).OfType<IPAddress>().ToList();
        var lbIps = spec.Type == "LoadBalancer"
            ? (svc.Status?.LoadBalancer?.Ingress ?? []).Select(i => V4(i.Ip)).OfType<IPAddress>().ToList() : [];
        var ranges = spec.Type == "LoadBalancer" ? SourceRanges(spec.LoadBalancerSourceRanges) : [];
        TimeSpan? affinity = spec.SessionAffinity != "ClientIP" ? null
            : spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds is int t && t > 0 ? TimeSpan.FromSeconds(t) : DefaultAffinityTimeout;
        var own = slices.Where(s => s.Metadata.Namespace == svc.Metadata.Namespace
            && s.Metadata.Labels?.GetValueOrDefault(EndpointSlice.ServiceNameLabel) == name && s.AddressType == "IPv4").ToList();

        foreach (var port in spec.Ports ?? [])
        {
            if (ProxyProtocols.Parse(port.Protocol) is not { } proto || port.Port is < 1 or > 65535) continue;
            var pn = new ServicePortName(ns, name, string.IsNullOrEmpty(port.Name) ? $"p{port.Port}" : port.Name, proto);
            var info = new ServicePortInfo(pn, clusterIp, (ushort)port.Port,
                NodePort: nodePorts && port.NodePort is >= 1 and <= 65535 ? (ushort)port.NodePort : null,
                ExternalIPs: externalIps, LoadBalancerIPs: lbIps, LoadBalancerSourceRanges: ranges,
                AffinityTimeout: affinity,
                ExternalPolicyLocal: spec.ExternalTrafficPolicy == "Local",
                InternalPolicyLocal: spec.InternalTrafficPolicy == "Local",
                HealthCheckNodePort: spec.ExternalTrafficPolicy == "Local" && spec.HealthCheckNodePort is >= 1 and <= 65535 ? (ushort)spec.HealthCheckNodePort : null);
            var eps = new List<EndpointInfo>();
            foreach (var slice in own)
            {
                var sp = (slice.Ports ?? []).FirstOrDefault(p => (p.Name ?? "") == (port.Name ?? "") && ProxyProtocols.Parse(p.Protocol) == proto);
                if (sp?.Port is not (>= 1 and <= 65535) || sp.Port is not int target) continue;
                foreach (var ep in slice.Endpoints)
                {
                    bool ready = ep.Conditions.Ready ?? true;
                    foreach (var a in ep.Addresses)
                        if (V4(a) is { } ip)
                            eps.Add(new EndpointInfo(ip, (ushort)target, ready, ep.Conditions.Serving ?? true,
                                ep.Conditions.Terminating ?? false, ep.NodeName == nodeName));
                }
            }
            result.Add((info, eps.DistinctBy(e => (e.Address, e.Port)).ToList()));
        }
        return result;
    }

    /// <summary>The IPv4 source ranges, masked; unparsable entries (the API refuses them) are skipped.</summary>
    private static List<IPNetwork> SourceRanges(IEnumerable<string>? ranges)
    {
        var list = new List<IPNetwork>();
        foreach (var r in ranges ?? [])
        {
            var slash = r.Trim().IndexOf('/');
            if (slash < 0 || V4(r.Trim()[..slash]) is not { } ip || !int.TryParse(r.Trim()[(slash + 1)..], out var len) || len is < 0 or > 32) continue;
            var b = ip.GetAddressBytes();
            for (int i = 0; i < 4; i++) b[i] &= (byte)(0xFF << (8 - Math.Clamp(len - i * 8, 0, 8)));
            list.Add(new IPNetwork(new IPAddress(b), len));
        }
        return list.Distinct().ToList();
    }

    private static IPAddress? V4(string? s) =>
        IPAddress.TryParse(s, out var a) && a.AddressFamily == AddressFamily.InterNetwork ? a : null;
}
