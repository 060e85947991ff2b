using System.Text.Json;
using System.Text.Json.Serialization;

namespace Podnet.Lab.Pods;

/// <summary>What the kubelet records about a running pod in /run/podnet/LAB/pods/NS_POD/sandbox.json:
/// enough for <c>podnet exec</c>/<c>logs</c> to find it and for cleanup after a crash.</summary>
public sealed record SandboxState
{
    public required string Namespace { get; init; }
    public required string Pod { get; init; }
    public required string Uid { get; init; }
    public required int Node { get; init; }
    /// <summary>The pod's network namespace (the node's for hostNetwork pods).</summary>
    public required string Netns { get; init; }
    public bool HostNetwork { get; init; }
    public string? Ip { get; init; }
    public List<string> Containers { get; init; } = [];

    public const string FileName = "sandbox.json";

    public void Write(string dir)
    {
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, FileName + ".tmp");
        File.WriteAllBytes(tmp, JsonSerializer.SerializeToUtf8Bytes(this, SandboxJson.Default.SandboxState));
        File.Move(tmp, Path.Combine(dir, FileName), overwrite: true);
    }

    public static SandboxState? Read(string dir)
    {
        try { return JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(dir, FileName)), SandboxJson.Default.SandboxState); }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException) { return null; }
    }
}

[JsonSerializable(typeof(SandboxState))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
internal sealed partial class SandboxJson : JsonSerializerContext;
