using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Podnet.Lab.Kubelet;

/// <summary>The result of a CNI ADD the kubelet cares about.</summary>
public sealed record CniAttachment(IPAddress Ip, int PrefixLength, IPAddress? Gateway);

/// <summary>A failed plugin call: names the plugin, the command and the container, and keeps the
/// plugin's own error (code, msg, details).</summary>
public sealed class CniException(string message) : Exception(message);

/// <summary>
/// Calls CNI plugins exactly as containerd (libcni) does: the plugin binary found in CNI_PATH,
/// CNI_COMMAND / CNI_CONTAINERID / CNI_NETNS / CNI_IFNAME / CNI_ARGS / CNI_PATH in the environment,
/// the plugin's config (with cniVersion, name and, in a chain, prevResult) on stdin, the result
/// on stdout. ADD runs the list in order, DEL in reverse.
/// </summary>
public sealed class CniRunner(string cniPath, JsonObject conflist)
{
    public const string IfName = "eth0";

    public string CniPath { get; } = cniPath;

    /// <summary>Attaches the pod namespace at <paramref name="netnsPath"/>.</summary>
    public async Task<CniAttachment> AddAsync(string containerId, string netnsPath, string cniArgs, CancellationToken ct)
    {
        JsonNode? prev = null;
        foreach (var plugin in Plugins())
        {
            var conf = PluginConfig(plugin, prev);
            var stdout = await ExecAsync("ADD", plugin, conf, containerId, netnsPath, cniArgs, ct);
            prev = JsonNode.Parse(stdout);
        }
        return ParseResult(prev as JsonObject ?? throw new CniException($"CNI ADD for {containerId}: empty result"), containerId);
    }

    /// <summary>Detaches; tolerant of a namespace that is already gone, as the spec requires.</summary>
    public async Task DelAsync(string containerId, string netnsPath, string cniArgs, CancellationToken ct)
    {
        foreach (var plugin in Plugins().Reverse())
            await ExecAsync("DEL", plugin, PluginConfig(plugin, null), containerId, netnsPath, cniArgs, ct);
    }

    private IEnumerable<JsonObject> Plugins() =>
        (conflist["plugins"] as JsonArray ?? throw new CniException("CNI conflist has no \"plugins\" list"))
        .OfType<JsonObject>();

    private JsonObject PluginConfig(JsonObject plugin, JsonNode? prev)
    {
        var conf = (JsonObject)plugin.DeepClone();
        conf["cniVersion"] = conflist["cniVersion"]?.DeepClone();
        conf["name"] = conflist["name"]?.DeepClone();
        if (prev is not null) conf["prevResult"] = prev.DeepClone();
        return conf;
    }

    private async Task<string> ExecAsync(string command, JsonObject plugin, JsonObject conf, string containerId,
        string netnsPath, string cniArgs, CancellationToken ct)
    {
        var type = plugin["type"]?.GetValue<string>() ?? throw new CniException("CNI plugin config without \"type\"");
        var binary = CniPath.Split(':').Select(d => Path.Combine(d, type)).FirstOrDefault(File.Exists)
            ?? throw new CniException($"CNI {command} for {containerId}: plugin \"{type}\" not found in CNI_PATH {CniPath}");
        var psi = new ProcessStartInfo(binary)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["CNI_COMMAND"] = command;
        psi.Environment["CNI_CONTAINERID"] = containerId;
        psi.Environment["CNI_NETNS"] = netnsPath;
        psi.Environment["CNI_IFNAME"] = IfName;
        psi.Environment["CNI_ARGS"] = cniArgs;
        psi.Environment["CNI_PATH"] = CniPath;
        using var p = Process.Start(psi) ?? throw new CniException($"could not start CNI plugin {binary}");
        await p.StandardInput.WriteAsync(conf.ToJsonString());
        p.StandardInput.Close();
        var outTask = p.StandardOutput.ReadToEndAsync(ct);
        var errTask = p.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try { await p.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            try { p.Kill(true); } catch (InvalidOperationException) { }
            throw new CniException($"CNI {command} of {type} for {containerId} did not finish within 30 s");
        }
        string stdout = await outTask, stderr = await errTask;
        if (p.ExitCode == 0) return stdout;
        throw new CniException($"CNI {command} of {type} for {containerId} failed (exit {p.ExitCode}): {Describe(stdout)}{(stderr.Length > 0 ? " — " + stderr.Trim() : "")}");
    }

    /// <summary>"msg: details (code N)" from a CNI error object, else the raw output.</summary>
    private static string Describe(string stdout)
    {
        try
        {
            if (JsonNode.Parse(stdout) is JsonObject e)
                return $"{e["msg"]}{(e["details"] is { } d && d.ToString().Length > 0 ? ": " + d : "")} (code {e["code"]})";
        }
        catch (JsonException) { }
        return stdout.Trim();
    }

    internal static CniAttachment ParseResult(JsonObject result, string containerId)
    {
        foreach (var ipNode in result["ips"] as JsonArray ?? [])
        {
            var addr = ipNode?["address"]?.GetValue<string>();
            int slash = addr?.IndexOf('/') ?? -1;
            if (slash < 0 || !IPAddress.TryParse(addr![..slash], out var ip) || !int.TryParse(addr[(slash + 1)..], out int prefix)) continue;
            if (ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork) continue;
            var gw = ipNode?["gateway"]?.GetValue<string>() is { } g ? IPAddress.Parse(g) : null;
            return new CniAttachment(ip, prefix, gw);
        }
        throw new CniException($"CNI ADD for {containerId}: result has no IPv4 address: {result.ToJsonString()}");
    }
}
