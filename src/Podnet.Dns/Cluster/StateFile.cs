using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Podnet.Dns.Zone;

namespace Podnet.Dns.Cluster;

/// <summary>
/// A static cluster state in JSON, for benchmarks and for running without an API server.
/// Shape: {"services":[{"namespace","name","kind","clusterIPs","externalName","ports","endpoints"}],"pods":[...]}.
/// </summary>
public static class StateFile
{
    private sealed record PortDto(string? Name, string? Protocol, int Port);
    private sealed record EndpointDto(string Address, string? Hostname, bool Ready = true, List<PortDto>? Ports = null);
    private sealed record ServiceDto(string Namespace, string Name, string Kind = "ClusterIP", List<string>? ClusterIPs = null,
        string? ExternalName = null, List<PortDto>? Ports = null, List<EndpointDto>? Endpoints = null, bool PublishNotReadyAddresses = false);
    private sealed record PodDto(string Namespace, string Address);
    private sealed record StateDto(List<ServiceDto>? Services, List<PodDto>? Pods);

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static ClusterState Load(string path)
    {
        StateDto dto;
        try { dto = JsonSerializer.Deserialize<StateDto>(File.ReadAllText(path), Json) ?? new StateDto(null, null); }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        { throw new InvalidOperationException($"could not read cluster state file {path}: {e.Message}", e); }
        var services = new List<DnsService>();
        foreach (var s in dto.Services ?? [])
        {
            string where = $"service {s.Namespace}/{s.Name} in {path}";
            if (!Enum.TryParse<ServiceKind>(s.Kind, true, out var kind)) throw new InvalidOperationException($"{where}: unknown kind \"{s.Kind}\"");
            services.Add(new DnsService(s.Namespace, s.Name, kind,
                (s.ClusterIPs ?? []).Select(ip => ParseIp(ip, where)).ToList(), s.ExternalName,
                Ports(s.Ports),
                (s.Endpoints ?? []).Select(e => new DnsEndpoint(ParseIp(e.Address, where), e.Hostname, e.Ready, Ports(e.Ports))).ToList(),
                s.PublishNotReadyAddresses));
        }
        var pods = (dto.Pods ?? []).Select(p => new DnsPod(p.Namespace, ParseIp(p.Address, $"pod in {p.Namespace}"))).ToList();
        return new ClusterState(services, pods);
    }

    public static void Save(ClusterState state, string path)
    {
        var dto = new StateDto(
            state.Services.Select(s => new ServiceDto(s.Namespace, s.Name, s.Kind.ToString(), s.ClusterIPs.Select(i => i.ToString()).ToList(),
                s.ExternalName, s.Ports.Select(P).ToList(),
                s.Endpoints.Select(e => new EndpointDto(e.Address.ToString(), e.Hostname, e.Ready, e.Ports.Select(P).ToList())).ToList(),
                s.PublishNotReadyAddresses)).ToList(),
            state.Pods.Select(p => new PodDto(p.Namespace, p.Address.ToString())).ToList());
        File.WriteAllText(path, JsonSerializer.Serialize(dto, Json));
        static PortDto P(DnsServicePort p) => new(p.Name, p.Protocol, p.Port);
    }

    private static List<DnsServicePort> Ports(List<PortDto>? ports) =>
        (ports ?? []).Select(p => new DnsServicePort(p.Name ?? "", p.Protocol ?? "TCP", p.Port)).ToList();

    private static IPAddress ParseIp(string text, string where) =>
        IPAddress.TryParse(text, out var ip) ? ip : throw new InvalidOperationException($"{where}: \"{text}\" is not an IP address");
}
