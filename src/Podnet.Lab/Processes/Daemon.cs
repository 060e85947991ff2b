using System.Diagnostics;

namespace Podnet.Lab.Processes;

/// <summary>
/// Starts a lab process that outlives its starter: its own session (setsid, so a terminal's
/// Ctrl-C does not reach it), stdin from /dev/null, stdout and stderr appended to a log file by
/// the shell (so logging goes on whatever happens to the starter), and a pid file recording it.
/// </summary>
public static class Daemon
{
    /// <summary>Starts <paramref name="argv"/> and records it in <paramref name="pidFile"/>.</summary>
    /// <param name="netns">When set, runs inside that network namespace via <c>nsenter --net</c>,
    /// which keeps the host's mount namespace (so namespaces the process creates are visible to all).</param>
    public static ProcessRecord Start(IReadOnlyList<string> argv, string logFile, string pidFile,
        string? netns = null, IDictionary<string, string>? env = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        // $0 is the log file; "$@" is the command. exec keeps the pid through sh, setsid, nsenter.
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec \"$@\" >>\"$0\" 2>&1 </dev/null");
        psi.ArgumentList.Add(logFile);
        psi.ArgumentList.Add("setsid");
        if (netns is not null)
        {
            psi.ArgumentList.Add("nsenter");
            psi.ArgumentList.Add("--net=" + Podnet.Linux.Netns.NetNs.PathOf(netns));
            psi.ArgumentList.Add("--");
        }
        foreach (var a in argv) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {argv[0]}");
        var rec = ProcessRecord.Of(p.Id)
            ?? throw new InvalidOperationException($"{string.Join(' ', argv)} exited at once (exit code {WaitExit(p)}); see {logFile}");
        rec.WriteTo(pidFile);
        return rec;
    }

    private static string WaitExit(Process p) => p.WaitForExit(1000) ? p.ExitCode.ToString() : "?";
}
