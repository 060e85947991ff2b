using System.Diagnostics;

/// <summary>A throwaway pnt-bench-* namespace for a benchmark (compiled into each bench that links
/// this file); its processes are killed and it is deleted on dispose.</summary>
sealed class Netns : IDisposable
{
    public string Name { get; } = $"pnt-bench-{Guid.NewGuid().ToString("N")[..6]}";

    public Netns() { Run("ip", "netns", "add", Name); Run("ip", "-n", Name, "link", "set", "lo", "up"); }

    public void Dispose()
    {
        foreach (var pid in Run("ip", "netns", "pids", Name).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            try { Process.GetProcessById(int.Parse(pid)).Kill(); } catch (ArgumentException) { } // already gone
        Run("ip", "netns", "del", Name);
    }

    /// <summary>Starts a command with stdout and stderr (and optionally stdin) redirected.</summary>
    public static Process Start(string[] argv, bool stdin = false)
    {
        var psi = new ProcessStartInfo(argv[0]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin };
        foreach (var a in argv[1..]) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    /// <summary>Runs a command and returns its stdout; a non-zero exit throws with the command and its stderr.</summary>
    public static string Run(params string[] argv)
    {
        using var p = Start(argv);
        var err = p.StandardError.ReadToEndAsync();
        var o = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', argv)}: {err.Result.Trim()}");
        return o;
    }
}
