using System.Diagnostics;
using Podnet.Lab.Processes;
using Podnet.Linux.Netns;

namespace Podnet.Lab.Runtime;

/// <summary>
/// Removes everything of a lab, in an order that works whatever state it is in (half built, a
/// process killed with -9, a previous down interrupted): first every process (by pid file, by
/// command line, and by namespace), then every namespace (which takes its links with it), then
/// /etc/netns files, state and data directories. Idempotent.
/// </summary>
internal static class LabTeardown
{
    public static void Run(LabNames names, IProgress<string>? progress)
    {
        var sw = Stopwatch.StartNew();
        var errors = new List<string>();

        // 1. Lab daemons first, so nothing recreates what we remove. The overlay agents get a
        //    SIGTERM while the control plane still runs, to give their leases back.
        //    A daemon killed here may still be dying when step 2 looks: the set counts it once.
        int stopped = NodeAgents.StopOverlays(names, TimeSpan.FromSeconds(2));
        var killed = new HashSet<ProcessRecord>();
        foreach (var rec in DaemonRecords(names)) if (rec.Kill()) killed.Add(rec);
        foreach (var rec in StrayDaemons(names)) if (rec.Kill()) killed.Add(rec);

        // 2. Every process inside a lab namespace (containers, hostNetwork pods, agents).
        var namespaces = LabNamespaces(names);
        killed.UnionWith(NetnsProcesses.KillAll(namespaces, TimeSpan.FromSeconds(2)));
        progress?.Report($"stopped {stopped + killed.Count} processes");

        // 3. Namespaces: links (veths, bridges) go with them.
        foreach (var ns in namespaces)
        {
            try { NetNs.Delete(ns); }
            catch (Exception e) { errors.Add(e.Message); }
        }
        progress?.Report($"removed {namespaces.Count} namespaces");

        // 4. Files.
        foreach (var dir in EtcNetnsDirs(names).Append(names.RunDir).Append(names.DataDir))
        {
            try { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { errors.Add($"could not remove {dir}: {e.Message}"); }
        }
        if (errors.Count > 0)
            throw new LabException($"lab \"{names.Lab}\" down left something behind: {string.Join("; ", errors)}");
        progress?.Report($"lab \"{names.Lab}\" removed in {sw.Elapsed.TotalMilliseconds:0} ms");
    }

    /// <summary>Namespaces named pn-LAB-… (the fabric, nodes, outside world, pods).</summary>
    public static List<string> LabNamespaces(LabNames names)
    {
        if (!Directory.Exists(NetNs.RunDir)) return [];
        return Directory.EnumerateFiles(NetNs.RunDir)
            .Select(Path.GetFileName).OfType<string>()
            .Where(n => n.StartsWith(names.NetnsPrefix) && IsOurs(names, n))
            .Order().ToList();
    }

    /// <summary>pn-a-… also prefixes lab "a-b"'s names: keep only names this lab makes.</summary>
    private static bool IsOurs(LabNames names, string ns)
    {
        var rest = ns[names.NetnsPrefix.Length..];
        return rest is "fabric" or "outside" or "router"
            || (rest.StartsWith("node-") && int.TryParse(rest.AsSpan(5), out _))
            || (rest.StartsWith("p-") && rest.Length == 10);
    }

    private static IEnumerable<string> EtcNetnsDirs(LabNames names) =>
        Directory.Exists("/etc/netns")
            ? Directory.EnumerateDirectories("/etc/netns").Where(d => Path.GetFileName(d) is { } n && n.StartsWith(names.NetnsPrefix) && IsOurs(names, n))
            : [];

    /// <summary>The processes recorded in pids/*.pid (still alive and still ours).</summary>
    public static IEnumerable<(string Name, ProcessRecord Record)> Daemons(LabNames names)
    {
        if (!Directory.Exists(names.PidDir)) yield break;
        foreach (var f in Directory.EnumerateFiles(names.PidDir, "*.pid").Order())
            if (ProcessRecord.ReadFrom(f) is { } rec) yield return (Path.GetFileNameWithoutExtension(f), rec);
    }

    private static IEnumerable<ProcessRecord> DaemonRecords(LabNames names) => Daemons(names).Select(d => d.Record).ToList();

    /// <summary>Lab daemons whose pid file is lost: found by their command line
    /// (<c>… kubelet --lab LAB …</c>, <c>… controlplane --socket /run/podnet/LAB/api.sock …</c> or
    /// <c>podnetd proxy|overlay|netpol --api /run/podnet/LAB/api.sock …</c>).</summary>
    private static List<ProcessRecord> StrayDaemons(LabNames names)
    {
        var found = new List<ProcessRecord>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == Environment.ProcessId) continue;
            string[] argv;
            try { argv = File.ReadAllText(dir + "/cmdline").Split('\0'); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            int k = Array.IndexOf(argv, "kubelet"), c = Array.IndexOf(argv, "controlplane"), x = Math.Max(Math.Max(Array.IndexOf(argv, "proxy"), Array.IndexOf(argv, "overlay")), Array.IndexOf(argv, "netpol"));
            bool ours = (k >= 0 && argv.AsSpan(k).IndexOf("--lab") is int l and >= 0 && k + l + 1 < argv.Length && argv[k + l + 1] == names.Lab)
                     || ((c >= 0 || x >= 0) && argv.Contains(names.ApiSocket));
            if (ours && ProcessRecord.Of(pid) is { } rec) found.Add(rec);
        }
        return found;
    }
}
