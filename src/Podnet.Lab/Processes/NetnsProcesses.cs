using Podnet.Linux.Netns;

namespace Podnet.Lab.Processes;

/// <summary>Finds the processes inside network namespaces, like <c>ip netns pids</c>, but for many
/// namespaces in one pass over /proc: a namespace is identified by its nsfs inode, which
/// readlink(2) of /proc/PID/ns/net shows as <c>net:[INODE]</c>; a named namespace's is read by a
/// thread that entered it (readlink of its fd would show the bind-mount path instead).</summary>
public static class NetnsProcesses
{
    /// <summary>The identity (<c>net:[INODE]</c>) of a named namespace, or null when it does not exist.</summary>
    public static string? IdOf(string netns)
    {
        try
        {
            using var ns = NetNs.Open(netns);
            return ns.Run(() => new FileInfo("/proc/thread-self/ns/net").LinkTarget);
        }
        catch (Podnet.Linux.PodnetLinuxException) { return null; }
    }

    /// <summary>Processes whose network namespace has one of <paramref name="ids"/>.</summary>
    public static List<ProcessRecord> In(IReadOnlySet<string> ids)
    {
        var found = new List<ProcessRecord>();
        if (ids.Count == 0) return found;
        int self = Environment.ProcessId;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || pid == self) continue;
            string? link;
            try { link = new FileInfo(dir + "/ns/net").LinkTarget; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            if (link is not null && ids.Contains(link) && ProcessRecord.Of(pid) is { } rec) found.Add(rec);
        }
        return found;
    }

    /// <summary>SIGKILLs every process in the named namespaces and waits (bounded) until they are
    /// gone. Returns the processes it killed, each once.</summary>
    public static IReadOnlySet<ProcessRecord> KillAll(IEnumerable<string> netnsNames, TimeSpan wait)
    {
        var ids = netnsNames.Select(IdOf).OfType<string>().ToHashSet();
        return KillUntilGone(() => In(ids), p => p.Kill(), wait);
    }

    /// <summary>Kills what <paramref name="find"/> lists until it lists nothing or
    /// <paramref name="wait"/> is over. A process that takes a while to die (a busy machine, a large
    /// one) is listed and signalled again on the next pass: the set counts it once.</summary>
    internal static HashSet<ProcessRecord> KillUntilGone(Func<List<ProcessRecord>> find, Func<ProcessRecord, bool> kill, TimeSpan wait)
    {
        var killed = new HashSet<ProcessRecord>();
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var procs = find();
            if (procs.Count == 0 || DateTime.UtcNow > deadline) return killed;
            foreach (var p in procs) if (kill(p)) killed.Add(p);
            Thread.Sleep(10);
        }
    }
}
