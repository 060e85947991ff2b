using System.Text.Json;
using System.Text.Json.Serialization;

namespace Podnet.Lab.Runtime;

/// <summary>A lab process and whether it is alive.</summary>
public sealed record LabProcess(string Name, int Pid, bool Alive);

/// <summary>What exists of a lab.</summary>
public sealed record LabStatus
{
    public required string Name { get; init; }
    /// <summary>Anything of the lab exists (namespace, state directory, process).</summary>
    public bool Exists => Namespaces.Count > 0 || StateDirExists || Processes.Any(p => p.Alive);
    /// <summary><c>lab up</c> finished (its manifest is written) and every process is alive.</summary>
    public bool Healthy => Manifest is not null && Processes.Count > 0 && Processes.All(p => p.Alive);
    public LabManifest? Manifest { get; init; }
    public bool StateDirExists { get; init; }
    public IReadOnlyList<string> Namespaces { get; init; } = [];
    public IReadOnlyList<LabProcess> Processes { get; init; } = [];
    public string ApiSocket { get; init; } = "";

    public string Summary =>
        Manifest is { } m
            ? $"{m.Nodes} nodes, backend {m.Backend}, topology {m.Topology}, up since {m.Created:u}, {Processes.Count(p => p.Alive)}/{Processes.Count} processes alive"
            : Exists ? $"incomplete: {Namespaces.Count} namespaces, {Processes.Count(p => p.Alive)} processes alive" : "absent";
}

/// <summary>Written last by <c>lab up</c> to /run/podnet/LAB/lab.json.</summary>
public sealed record LabManifest(string Name, int Nodes, string Backend, string Cni, DateTimeOffset Created, string BinDir)
{
    /// <summary>flat or routed.</summary>
    public string Topology { get; init; } = "flat";
    /// <summary>The pod MTU the overlay agents advertise (null for the routes backend: the link's own).</summary>
    public int? PodMtu { get; init; }
    /// <summary>Cluster DNS was deployed.</summary>
    public bool Dns { get; init; }
    /// <summary>The command that runs the lab's daemon modes (for nodes added later).</summary>
    public List<string>? Daemon { get; init; }

    public void Write(string path)
    {
        var tmp = path + ".tmp";
        File.WriteAllBytes(tmp, JsonSerializer.SerializeToUtf8Bytes(this, LabJson.Default.LabManifest));
        File.Move(tmp, path, overwrite: true);
    }

    public static LabManifest? Read(string path)
    {
        try { return JsonSerializer.Deserialize(File.ReadAllBytes(path), LabJson.Default.LabManifest); }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { return null; }
    }
}

[JsonSerializable(typeof(LabManifest))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
internal sealed partial class LabJson : JsonSerializerContext;
