using Podnet.Linux.Interop;

namespace Podnet.Linux;

/// <summary>Starting helper processes without .NET's Process machinery (no pipes, no SIGCHLD thread).</summary>
public static class Spawn
{
    /// <summary>
    /// Starts <paramref name="path"/> detached: stdio on /dev/null, never waited for (it is reaped by
    /// init once this process exits). It inherits the calling thread's namespaces. Returns its pid.
    /// </summary>
    public static int Detached(string path, IReadOnlyList<string> argv, IReadOnlyDictionary<string, string> env)
    {
        var a = new string?[argv.Count + 1];
        for (int i = 0; i < argv.Count; i++) a[i] = argv[i];
        var e = new string?[env.Count + 1];
        int k = 0;
        foreach (var (key, value) in env) e[k++] = key + "=" + value;
        int err = Libc.SpawnDetached(path, a, e, out int pid);
        if (err != 0) throw new PodnetLinuxException("spawn", "\"" + path + "\"", null, err);
        return pid;
    }
}
