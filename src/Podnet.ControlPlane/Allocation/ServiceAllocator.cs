using System.Net;
using System.Text.Json.Nodes;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Api.Validation;
using Podnet.ControlPlane.Server;

namespace Podnet.ControlPlane.Allocation;

/// <summary>ClusterIP and NodePort allocation, done synchronously when a Service is written
/// (as kube-apiserver's service registry does), so a taken or out-of-range request is rejected
/// with 422 instead of being stored.</summary>
public sealed class ServiceAllocator
{
    public static readonly IPAddress KubernetesIP = IPAddress.Parse("10.96.0.1");
    public static readonly IPAddress DnsIP = IPAddress.Parse("10.96.0.10");

    public IpAllocator ClusterIPs { get; }
    public RangeAllocator NodePorts { get; }

    public ServiceAllocator(Cidr serviceCidr, int nodePortMin = ServiceValidator.NodePortMin, int nodePortMax = ServiceValidator.NodePortMax)
    {
        // Dynamic IPs come from above the first 256 addresses (Kubernetes' static band), and
        // kubernetes/kube-dns addresses are only ever given to whoever asks for them.
        ClusterIPs = new IpAllocator(serviceCidr, [KubernetesIP, DnsIP], staticBand: Math.Min(256, (1 << (32 - serviceCidr.PrefixLength)) / 16));
        NodePorts = new RangeAllocator(nodePortMin, nodePortMax);
    }

    /// <summary>Allocations made for one write; roll back if the write fails, commit to free
    /// what the old object held and the new one no longer uses.</summary>
    public sealed class Reservation(ServiceAllocator owner)
    {
        internal readonly List<IPAddress> NewIps = [], OldIps = [];
        internal readonly List<int> NewPorts = [], OldPorts = [];

        public void Rollback()
        {
            foreach (var ip in NewIps) owner.ClusterIPs.Release(ip);
            foreach (var p in NewPorts) owner.NodePorts.Release(p);
        }

        public void Commit()
        {
            foreach (var ip in OldIps) owner.ClusterIPs.Release(ip);
            foreach (var p in OldPorts) owner.NodePorts.Release(p);
        }
    }

    /// <summary>Marks the allocations of a stored service as used (startup repair).</summary>
    public void Restore(JsonObject svc)
    {
        var (ip, ports, hc) = Held(svc);
        if (ip is not null) ClusterIPs.TryAllocate(ip);
        foreach (var p in ports) NodePorts.TryAllocate(p);
        if (hc is int h) NodePorts.TryAllocate(h);
    }

    public void Release(JsonObject svc)
    {
        var (ip, ports, hc) = Held(svc);
        if (ip is not null) ClusterIPs.Release(ip);
        foreach (var p in ports) NodePorts.Release(p);
        if (hc is int h) NodePorts.Release(h);
    }

    /// <summary>Fills spec.clusterIP(s), nodePorts and healthCheckNodePort of <paramref name="svc"/>,
    /// reusing what <paramref name="old"/> held. Throws a 422 <see cref="ApiError"/>.</summary>
    public Reservation Allocate(JsonObject svc, JsonObject? old)
    {
        var res = new Reservation(this);
        try
        {
            AllocateInto(svc, old, res);
            return res;
        }
        catch
        {
            res.Rollback();
            throw;
        }
    }

    private void AllocateInto(JsonObject svc, JsonObject? old, Reservation res)
    {
        var name = svc.Name();
        var spec = (JsonObject)svc["spec"]!;
        var type = spec.Str("type") ?? "ClusterIP";
        var (oldIp, oldPorts, oldHc) = old is null ? (null, new List<int>(), null) : Held(old);
        var oldSpec = old?["spec"] as JsonObject;
        Fail Invalid(string field, object? value, string detail) =>
            new(ApiError.Invalid(ApiResources.Services, name, [FieldError.Invalid(field, value, detail)]));

        // ClusterIP.
        var requested = spec.Str("clusterIP");
        if (string.IsNullOrEmpty(requested) && spec["clusterIPs"] is JsonArray ips && ips.Count > 0) requested = ips[0]?.ToString();
        if (type == "ExternalName")
        {
            spec.Remove("clusterIP");
            spec.Remove("clusterIPs");
            if (oldIp is not null) res.OldIps.Add(oldIp);
        }
        else if (requested == "None")
        {
            if (oldIp is not null) throw Invalid("spec.clusterIP", "None", "field is immutable").Error;
            SetIp(spec, "None");
        }
        else if (string.IsNullOrEmpty(requested) || (oldIp is not null && requested == oldIp.ToString()))
        {
            var ip = oldIp;
            if (ip is null)
            {
                ip = ClusterIPs.AllocateNext() ?? throw new ApiError(500, "InternalError", $"Service \"{name}\": the service CIDR {ClusterIPs.Cidr} is full");
                res.NewIps.Add(ip);
            }
            SetIp(spec, ip.ToString());
        }
        else
        {
            if (oldSpec?.Str("clusterIP") is { Length: > 0 } was && was != requested)
                throw Invalid("spec.clusterIP", requested, "field is immutable").Error;
            if (!IPAddress.TryParse(requested, out var ip))
                throw Invalid("spec.clusterIP", requested, "must be empty, 'None', or a valid IP address").Error;
            if (!ClusterIPs.Contains(ip))
                throw Invalid("spec.clusterIPs", $"[\"{requested}\"]", $"failed to allocate IP {requested}: the provided IP ({requested}) is not in the valid range. The range of valid IPs is {ClusterIPs.Cidr}").Error;
            if (!ClusterIPs.TryAllocate(ip))
                throw Invalid("spec.clusterIPs", $"[\"{requested}\"]", $"failed to allocate IP {requested}: provided IP is already allocated").Error;
            res.NewIps.Add(ip);
            SetIp(spec, requested!);
        }
        if (type != "ExternalName")
        {
            spec["ipFamilies"] ??= new JsonArray("IPv4");
            spec["ipFamilyPolicy"] ??= "SingleStack";
        }

        // NodePorts.
        var wantsNodePorts = type is "NodePort" or "LoadBalancer";
        var keep = new HashSet<int>();
        var oldByPort = Defaults.Objects(oldSpec?["ports"])
            .Where(p => p["nodePort"] is not null)
            .ToDictionary(p => $"{p["port"]}/{p.Str("protocol") ?? "TCP"}", p => p["nodePort"]!.GetValue<int>());
        var i = 0;
        foreach (var p in Defaults.Objects(spec["ports"]))
        {
            var field = $"spec.ports[{i++}].nodePort";
            var given = p["nodePort"] is JsonValue v && v.TryGetValue<int>(out var n) && n != 0 ? n : (int?)null;
            if (!wantsNodePorts) { p.Remove("nodePort"); continue; }
            if (given is int g)
            {
                if (oldPorts.Contains(g) && !keep.Contains(g)) { keep.Add(g); continue; }
                if (!NodePorts.InRange(g))
                    throw Invalid(field, g, $"provided port is not in the valid range. The range of valid ports is {NodePorts.First}-{NodePorts.Last}").Error;
                if (!NodePorts.TryAllocate(g)) throw Invalid(field, g, "provided port is already allocated").Error;
                res.NewPorts.Add(g);
                keep.Add(g);
                continue;
            }
            if (oldByPort.TryGetValue($"{p["port"]}/{p.Str("protocol") ?? "TCP"}", out var reuse) && !keep.Contains(reuse))
            {
                p["nodePort"] = reuse;
                keep.Add(reuse);
                continue;
            }
            var next = NodePorts.AllocateNext() is long l ? (int)l
                : throw new ApiError(500, "InternalError", $"Service \"{name}\": no free NodePort in {NodePorts.First}-{NodePorts.Last}");
            res.NewPorts.Add(next);
            keep.Add(next);
            p["nodePort"] = next;
        }

        // Health check port for externalTrafficPolicy=Local load balancers.
        var wantsHc = type == "LoadBalancer" && spec.Str("externalTrafficPolicy") == "Local";
        var hcGiven = spec["healthCheckNodePort"] is JsonValue hv && hv.TryGetValue<int>(out var hn) && hn != 0 ? hn : (int?)null;
        if (!wantsHc) spec.Remove("healthCheckNodePort");
        else if (hcGiven is int hg && hg == oldHc) keep.Add(hg);
        else if (hcGiven is int h)
        {
            if (!NodePorts.TryAllocate(h)) throw Invalid("spec.healthCheckNodePort", h, "provided port is already allocated").Error;
            res.NewPorts.Add(h);
            keep.Add(h);
        }
        else if (oldHc is int oh) { spec["healthCheckNodePort"] = oh; keep.Add(oh); }
        else
        {
            var next = NodePorts.AllocateNext() is long l ? (int)l
                : throw new ApiError(500, "InternalError", $"Service \"{name}\": no free NodePort for healthCheckNodePort");
            res.NewPorts.Add(next);
            keep.Add(next);
            spec["healthCheckNodePort"] = next;
        }

        res.OldPorts.AddRange(oldPorts.Where(p => !keep.Contains(p)));
        if (oldHc is int ohc && !keep.Contains(ohc)) res.OldPorts.Add(ohc);
        if (oldIp is not null && spec.Str("clusterIP") != oldIp.ToString()) res.OldIps.Add(oldIp);
    }

    private sealed record Fail(ApiError Error);

    /// <summary>As Kubernetes does on a type change: node ports (and the health check port) that
    /// the new type cannot have are dropped when the user left them as they were.</summary>
    public static void DropTypeDependentFields(JsonObject current, JsonObject next)
    {
        if (next["spec"] is not JsonObject spec || current["spec"] is not JsonObject was) return;
        var type = spec.Str("type") ?? "ClusterIP";
        if (type is not ("NodePort" or "LoadBalancer"))
        {
            var oldPorts = Defaults.Objects(was["ports"]).Select(p => p["nodePort"]?.ToJsonString()).Where(p => p is not null).ToHashSet();
            foreach (var p in Defaults.Objects(spec["ports"]))
                if (p["nodePort"] is { } np && oldPorts.Contains(np.ToJsonString())) p.Remove("nodePort");
        }
        if ((type != "LoadBalancer" || spec.Str("externalTrafficPolicy") != "Local") &&
            spec["healthCheckNodePort"]?.ToJsonString() == was["healthCheckNodePort"]?.ToJsonString())
            spec.Remove("healthCheckNodePort");
        if (type == "ExternalName" && spec.Str("clusterIP") == was.Str("clusterIP"))
        {
            spec.Remove("clusterIP");
            spec.Remove("clusterIPs");
        }
    }

    private static void SetIp(JsonObject spec, string ip)
    {
        spec["clusterIP"] = ip;
        spec["clusterIPs"] = new JsonArray(ip);
    }

    private static (IPAddress? Ip, List<int> NodePorts, int? HealthCheck) Held(JsonObject svc)
    {
        var spec = svc["spec"] as JsonObject;
        IPAddress? ip = spec?.Str("clusterIP") is { } s && IPAddress.TryParse(s, out var a) ? a : null;
        var ports = Defaults.Objects(spec?["ports"])
            .Select(p => p["nodePort"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : 0)
            .Where(n => n != 0).ToList();
        int? hc = spec?["healthCheckNodePort"] is JsonValue hv && hv.TryGetValue<int>(out var h) && h != 0 ? h : null;
        return (ip, ports, hc);
    }
}
