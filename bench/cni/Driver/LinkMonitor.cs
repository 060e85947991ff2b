using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Podnet.Linux.Netns;

/// <summary>Records when each link of a namespace is deleted, by name (the last RTM_DELLINK seen, from
/// `ip -o -ts monitor link` running inside it): how long after DEL started the veth is really gone.</summary>
sealed class LinkMonitor : IDisposable
{
    readonly Process _ip;

    /// <summary>Wall-clock (local) time of the last deletion notice per link name.</summary>
    public ConcurrentDictionary<string, DateTime> Deleted { get; } = new();

    public LinkMonitor(NetNs ns)
    {
        _ip = ns.Run(() => Process.Start(new ProcessStartInfo("ip", ["-o", "-ts", "monitor", "link"])
            { RedirectStandardOutput = true, UseShellExecute = false })!);
        _ip.OutputDataReceived += (_, e) => Parse(e.Data);
        _ip.BeginOutputReadLine();
        Thread.Sleep(200); // subscribed before the first call
    }

    void Parse(string? line)
    {
        // [2026-11-22T06:28:38.374010] Deleted 125: pnv378eb1c1@NONE: <...> ...
        if (line is null || line.Length < 30 || line[0] != '[') return;
        int close = line.IndexOf(']');
        if (close < 0 || !line.AsSpan(close + 1).TrimStart().StartsWith("Deleted ")) return;
        var rest = line[(close + 1)..].Trim().Split(' ');
        if (rest.Length < 3) return;
        string name = rest[2].TrimEnd(':');
        int at = name.IndexOf('@');
        if (at > 0) name = name[..at];
        if (DateTime.TryParse(line[1..close], CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var t))
            Deleted[name] = t;
    }

    public void Dispose()
    {
        try { _ip.Kill(); _ip.WaitForExit(2000); } catch (InvalidOperationException) { }
        _ip.Dispose();
    }
}

/// <summary>CPU time of the plugin processes and everything they start (host-local, podnet-cni's
/// detached veth reaper), from a throwaway cpuacct cgroup (v1) that each call's spawning thread
/// joins just for the spawn. Null when cpuacct is not available.</summary>
sealed class CpuAccount : IDisposable
{
    const string Root = "/sys/fs/cgroup/cpuacct";
    readonly string _dir;

    CpuAccount(string dir) => _dir = dir;

    public static CpuAccount? TryCreate(string name)
    {
        string dir = Path.Combine(Root, name);
        try
        {
            if (!File.Exists(Path.Combine(Root, "cpuacct.usage"))) return null;
            Directory.CreateDirectory(dir);
            return new CpuAccount(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    /// <summary>Total CPU nanoseconds used in the cgroup so far.</summary>
    public long UsageNs => long.Parse(File.ReadAllText(Path.Combine(_dir, "cpuacct.usage")).Trim());

    public void JoinCallingThread() => File.WriteAllText(Path.Combine(_dir, "tasks"), Tid());

    public static void LeaveCallingThread() => File.WriteAllText(Path.Combine(Root, "tasks"), Tid());

    /// <summary>The calling thread's id: /proc/thread-self links to "&lt;pid&gt;/task/&lt;tid&gt;".</summary>
    static string Tid() => Path.GetFileName(new FileInfo("/proc/thread-self").LinkTarget!);

    public void Dispose()
    {
        // Detached children (the reaper) may still be finishing: retry briefly.
        for (int i = 0; i < 100; i++)
        {
            try { Directory.Delete(_dir); return; }
            catch (IOException) { Thread.Sleep(50); }
        }
    }
}
