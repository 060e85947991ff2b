using System.Diagnostics;
using System.Text;

namespace Podnet.Testing;

/// <summary>The outcome of a command run by <see cref="Sh"/>.</summary>
public sealed record ShResult(string Command, int ExitCode, string Stdout, string Stderr, bool TimedOut)
{
    public bool Ok => ExitCode == 0 && !TimedOut;

    /// <summary>Throws with the command, exit code and stderr unless it succeeded; returns stdout.</summary>
    public string Check() => Ok
        ? Stdout
        : throw new InvalidOperationException(
            $"`{Command}` {(TimedOut ? "timed out" : "exited " + ExitCode)}: {Stderr.Trim()} {Stdout.Trim()}".Trim());
}

/// <summary>Runs external commands for tests (never on a product hot path): argv without a shell,
/// a timeout that kills the whole process tree, stdout and stderr captured.</summary>
public static class Sh
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Runs <paramref name="argv"/>[0] with the rest as arguments.</summary>
    public static ShResult Run(IReadOnlyList<string> argv, TimeSpan? timeout = null, string? stdin = null,
        IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(argv[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        for (int i = 1; i < argv.Count; i++) psi.ArgumentList.Add(argv[i]);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        string cmd = string.Join(' ', argv);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + cmd);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        if (stdin is not null)
        {
            p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        bool exited = p.WaitForExit(timeout ?? DefaultTimeout);
        if (!exited)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit(5000);
        }
        else p.WaitForExit(); // drain the async readers
        lock (stdout) lock (stderr)
            return new ShResult(cmd, exited ? p.ExitCode : -1, stdout.ToString(), stderr.ToString(), !exited);
    }

    /// <summary>Runs a command given as separate arguments.</summary>
    public static ShResult Run(params string[] argv) => Run((IReadOnlyList<string>)argv);

    /// <summary>Runs a command inside the named netns (<c>ip netns exec NS …</c>).</summary>
    public static ShResult InNetns(string netns, IReadOnlyList<string> argv, TimeSpan? timeout = null, string? stdin = null)
    {
        var full = new List<string>(argv.Count + 4) { "ip", "netns", "exec", netns };
        full.AddRange(argv);
        return Run(full, timeout, stdin);
    }

    /// <summary>Runs a command inside the named netns.</summary>
    public static ShResult InNetns(string netns, params string[] argv) => InNetns(netns, (IReadOnlyList<string>)argv);
}
