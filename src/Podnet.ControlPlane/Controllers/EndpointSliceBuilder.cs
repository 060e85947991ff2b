using System.Security.Cryptography;
using System.Text;
using Podnet.Api.Models;
using Podnet.Api.Selectors;

namespace Podnet.ControlPlane.Controllers;

/// <summary>The EndpointSlices a selector Service should have, computed from its pods. Pods are
/// grouped by their resolved target ports (a named targetPort may map to different numbers on
/// different pods); each group is one slice named <c>{service}-{hash of the ports}</c>.</summary>
public static class EndpointSliceBuilder
{
    public const string ManagedBy = "endpointslice-controller.k8s.io";

    public static List<EndpointSlice> Build(Service svc, IEnumerable<Pod> pods)
    {
        var ns = svc.Metadata.Namespace!;
        if (svc.Spec.Selector is null || svc.Spec.Type == "ExternalName") return [];
        var selector = LabelSelector.FromMap(svc.Spec.Selector);
        var svcPorts = svc.Spec.Ports ?? [];
        var groups = new Dictionary<string, (List<EndpointPort> Ports, List<Endpoint> Endpoints)>();
        foreach (var pod in pods.Where(p => p.Metadata.Namespace == ns).OrderBy(p => p.Metadata.Name, StringComparer.Ordinal))
        {
            if (!selector.Matches(pod.Metadata.Labels ?? []) || pod.IsFinished) continue;
            var ip = pod.Status?.PodIP;
            if (string.IsNullOrEmpty(ip)) continue;
            var ports = new List<EndpointPort>();
            foreach (var sp in svcPorts)
            {
                if (Resolve(sp, pod) is int target)
                    ports.Add(new EndpointPort { Name = sp.Name ?? "", Protocol = sp.Protocol ?? "TCP", Port = target, AppProtocol = sp.AppProtocol });
            }
            if (svcPorts.Count > 0 && ports.Count == 0) continue; // none of the service's ports exists on this pod
            var terminating = pod.IsTerminating;
            var ready = pod.IsReady || svc.Spec.PublishNotReadyAddresses == true;
            var ep = new Endpoint
            {
                Addresses = [ip],
                Conditions = new EndpointConditions { Ready = ready && !terminating, Serving = ready, Terminating = terminating },
                NodeName = pod.Spec.NodeName,
                Hostname = pod.Spec.Subdomain == svc.Metadata.Name ? pod.Spec.Hostname : null,
                TargetRef = new ObjectReference { Kind = "Pod", Namespace = ns, Name = pod.Metadata.Name, Uid = pod.Metadata.Uid },
            };
            var sig = string.Join(";", ports.Select(p => $"{p.Name}/{p.Protocol}/{p.Port}"));
            if (!groups.TryGetValue(sig, out var g)) groups[sig] = g = (ports, []);
            g.Endpoints.Add(ep);
        }
        // A service with no ready backends still gets one (empty) slice, so readers see "no endpoints".
        if (groups.Count == 0)
        {
            var ports = svcPorts.Where(p => p.TargetPort?.IsInt != false)
                .Select(p => new EndpointPort { Name = p.Name ?? "", Protocol = p.Protocol ?? "TCP", Port = p.TargetPort?.IntValue ?? p.Port, AppProtocol = p.AppProtocol }).ToList();
            groups[string.Join(";", ports.Select(p => $"{p.Name}/{p.Protocol}/{p.Port}"))] = (ports, []);
        }
        return groups.Select(kv => Slice(svc, kv.Key, kv.Value.Ports, kv.Value.Endpoints)).OrderBy(s => s.Metadata.Name).ToList();
    }

    /// <summary>The pod port a service port sends to: a number as is, a name looked up in the pod's
    /// container ports (same protocol); null when the pod has no such named port.</summary>
    public static int? Resolve(ServicePort sp, Pod pod)
    {
        var target = sp.TargetPort;
        if (target is null) return sp.Port;
        if (target.IntValue is int n) return n;
        var protocol = sp.Protocol ?? "TCP";
        foreach (var c in pod.Spec.Containers)
            foreach (var p in c.Ports ?? [])
                if (p.Name == target.StringValue && (p.Protocol ?? "TCP") == protocol) return p.Port;
        return null;
    }

    private static EndpointSlice Slice(Service svc, string signature, List<EndpointPort> ports, List<Endpoint> endpoints)
    {
        var name = svc.Metadata.Name!;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(signature)))[..8];
        var labels = new Dictionary<string, string>(svc.Metadata.Labels ?? [])
        {
            [EndpointSlice.ServiceNameLabel] = name,
            [EndpointSlice.ManagedByLabel] = ManagedBy,
        };
        return new EndpointSlice
        {
            Metadata = new ObjectMeta
            {
                Name = $"{(name.Length > 54 ? name[..54] : name)}-{hash}",
                Namespace = svc.Metadata.Namespace,
                Labels = labels,
                OwnerReferences = [new OwnerReference { ApiVersion = "v1", Kind = "Service", Name = name, Uid = svc.Metadata.Uid ?? "", Controller = true, BlockOwnerDeletion = true }],
            },
            AddressType = "IPv4",
            Endpoints = endpoints,
            Ports = ports,
        };
    }
}
