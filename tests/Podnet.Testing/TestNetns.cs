using System.Security.Cryptography;
using System.Text.Json;
using Podnet.Linux.Netns;

namespace Podnet.Testing;

/// <summary>
/// A throwaway network namespace <c>pnt-&lt;component&gt;-&lt;random&gt;</c> for one test. Dispose
/// kills every process inside it and deletes it, so use it with <c>using</c> (or in a fixture)
/// and cleanup happens even when the test fails.
/// </summary>
public sealed class TestNetns : IDisposable
{
    private bool _disposed;

    /// <param name="component">Short tag, e.g. "linux", "cni" (name = pnt-component-8hex, keep it short).</param>
    public TestNetns(string component)
    {
        Name = $"pnt-{component}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}";
        Ns = NetNs.Create(Name);
    }

    /// <summary>The namespace name (also usable with <c>ip -n NAME</c>).</summary>
    public string Name { get; }

    /// <summary>The open namespace.</summary>
    public NetNs Ns { get; }

    /// <summary>/var/run/netns/NAME.</summary>
    public string Path => Ns.Path;

    /// <summary>Runs a command inside the namespace (<c>ip netns exec</c>).</summary>
    public ShResult Exec(params string[] argv) => Testing.Sh.InNetns(Name, argv);

    /// <summary>Runs a command inside the namespace and returns its stdout (throws if it fails).</summary>
    public string Output(params string[] argv) => Testing.Sh.InNetns(Name, argv).Check();

    /// <summary>Runs <c>ip -n NAME …</c>.</summary>
    public ShResult Ip(params string[] args)
    {
        var argv = new List<string> { "ip", "-n", Name };
        argv.AddRange(args);
        return Testing.Sh.Run(argv);
    }

    /// <summary>Runs <c>ip -n NAME -j …</c> and parses its JSON output (throws if ip fails).</summary>
    public JsonElement IpJson(params string[] args)
    {
        var argv = new List<string> { "ip", "-n", Name, "-j" };
        argv.AddRange(args);
        string output = Testing.Sh.Run(argv).Check();
        return JsonDocument.Parse(string.IsNullOrWhiteSpace(output) ? "[]" : output).RootElement.Clone();
    }

    /// <summary>Runs <c>bridge -n NAME -j …</c> and parses its JSON output.</summary>
    public JsonElement BridgeJson(params string[] args)
    {
        var argv = new List<string> { "bridge", "-n", Name, "-j" };
        argv.AddRange(args);
        string output = Testing.Sh.Run(argv).Check();
        return JsonDocument.Parse(string.IsNullOrWhiteSpace(output) ? "[]" : output).RootElement.Clone();
    }

    public override string ToString() => Name;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        KillProcessesIn(Name);
        Ns.Dispose();
        NetNs.Delete(Name);
    }

    /// <summary>SIGKILLs every process inside the named namespace (as listed by <c>ip netns pids</c>).</summary>
    public static void KillProcessesIn(string netnsName)
    {
        for (int round = 0; round < 5; round++)
        {
            var r = Testing.Sh.Run("ip", "netns", "pids", netnsName);
            var pids = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (!r.Ok || pids.Length == 0) return;
            foreach (var s in pids)
            {
                if (!int.TryParse(s, out int pid) || pid == Environment.ProcessId) continue;
                try { System.Diagnostics.Process.GetProcessById(pid).Kill(); } catch (Exception) { }
            }
            Thread.Sleep(50);
        }
    }
}
