using System.Net;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Manifests;
using Podnet.Api.Resources;
using Podnet.Lab.Runtime;
using Podnet.Testing;

namespace Podnet.Lab.Tests.Lab;

/// <summary>A real lab with a unique name (<c>t</c> + 6 hex digits, so its namespaces are
/// <c>pn-t…</c>), brought up through <see cref="LabRuntime"/> and always brought down on dispose.
/// The daemons are this test assembly's own entry points (see Program), the same code the podnet
/// binary runs.</summary>
public sealed class TestLab : IAsyncDisposable
{
    public string Name { get; } = "t" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    public LabNames Names => new(Name);
    public ApiClient Api { get; private set; } = null!;
    public LabStatus UpStatus { get; private set; } = null!;
    public List<string> Progress { get; } = [];

    public static LabOptions Options(string name, int nodes) => new()
    {
        Name = name,
        Nodes = nodes,
        BinDir = Binaries.Directory(),
        DaemonCommand = ["dotnet", typeof(Program).Assembly.Location],
    };

    public async Task UpAsync(int nodes, Func<LabOptions, LabOptions>? tweak = null)
    {
        try
        {
            var options = Options(Name, nodes);
            UpStatus = await LabRuntime.UpAsync(tweak is null ? options : tweak(options), new Program.SyncProgress(Progress.Add));
            Api = LabRuntime.Connect(Name);
        }
        catch
        {
            LabRuntime.Down(Name);
            throw;
        }
    }

    /// <summary>Creates every object of a manifest file (relative to the repository root).</summary>
    public async Task ApplyAsync(string relativePath)
    {
        var text = await File.ReadAllTextAsync(Path.Combine(Binaries.RepoRoot(), relativePath));
        foreach (var doc in ManifestParser.Parse(text, relativePath))
        {
            doc.Object.Metadata()["namespace"] ??= doc.Resource.Namespaced ? "default" : null;
            await Api.CreateAsync(doc.Object);
        }
    }

    /// <summary>Waits until <paramref name="count"/> pods exist, all Running and Ready with an IP.</summary>
    public async Task<List<JsonObject>> WaitForReadyPodsAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        List<JsonObject> pods = [];
        while (DateTime.UtcNow < deadline)
        {
            pods = (await Api.ListAsync(ApiResources.Pods, "default")).Items.ToList();
            if (pods.Count == count && pods.All(IsReady)) return pods;
            await Task.Delay(50);
        }
        throw new TimeoutException($"lab {Name}: wanted {count} Ready pods, have: " +
            string.Join("; ", pods.Select(p => $"{p.Name()} {p.AtPath("spec.nodeName")} {p.AtPath("status.phase")} {p.AtPath("status.podIP")} {p.AtPath("status.message")}"))
            + "\n" + Logs());
    }

    public static bool IsReady(JsonObject pod) =>
        pod.AtPath("status.phase") == "Running" && pod.AtPath("status.podIP") is { Length: > 0 } &&
        pod["status"]?["conditions"] is JsonArray c && c.Any(x => x.Str("type") == "Ready" && x.Str("status") == "True");

    public static IPAddress PodIp(JsonObject pod) => IPAddress.Parse(pod.AtPath("status.podIP")!);

    /// <summary>The daemons' logs, for failure messages.</summary>
    public string Logs()
    {
        if (!Directory.Exists(Names.LogDir)) return "";
        return string.Join("\n", Directory.EnumerateFiles(Names.LogDir).Select(f => $"--- {Path.GetFileName(f)}\n{string.Join('\n', File.ReadAllLines(f).TakeLast(15))}"));
    }

    public async ValueTask DisposeAsync()
    {
        Api?.Dispose();
        await Task.Run(() => LabRuntime.Down(Name));
    }
}
