using System.Diagnostics;
using Podnet.Lab.Processes;
using Podnet.Linux;

namespace Podnet.Lab.Kubelet;

/// <summary>
/// One run of a container: its command started inside the pod's network namespace with
/// <c>ip netns exec</c> (which also bind-mounts the pod's /etc/netns files over /etc), output
/// appended to the container's log file, environment as the kubelet gives it.
/// </summary>
public sealed class ContainerProcess : IDisposable
{
    private readonly Process _process;

    private ContainerProcess(Process p, ProcessRecord rec)
    {
        _process = p;
        Record = rec;
        StartedAt = DateTimeOffset.UtcNow;
    }

    public ProcessRecord Record { get; }
    public DateTimeOffset StartedAt { get; }
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <param name="binDir">Put first on PATH, so that shell commands find podnet-agnhost.</param>
    /// <param name="netns">The pod namespace, or null to run in the kubelet's own (the node's, for hostNetwork pods).</param>
    public static ContainerProcess Start(IReadOnlyList<string> argv, string? netns, string logFile,
        IReadOnlyDictionary<string, string> env, string? workingDir, string? binDir = null)
    {
        var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec \"$@\" >>\"$0\" 2>&1 </dev/null");
        psi.ArgumentList.Add(logFile);
        if (netns is not null)
            foreach (var a in new[] { "ip", "netns", "exec", netns }) psi.ArgumentList.Add(a);
        foreach (var a in argv) psi.ArgumentList.Add(a);
        psi.Environment.Clear();
        psi.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        if (binDir is not null) psi.Environment["PATH"] = binDir + ":" + psi.Environment["PATH"];
        foreach (var (k, v) in env) psi.Environment[k] = v;
        if (workingDir is not null) psi.WorkingDirectory = workingDir;
        var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {argv[0]}");
        var rec = ProcessRecord.Of(p.Id) ?? new ProcessRecord(p.Id, 0);
        return new ContainerProcess(p, rec);
    }

    public Task WaitForExitAsync(CancellationToken ct) => _process.WaitForExitAsync(ct);

    /// <summary>SIGTERM, then SIGKILL of the whole tree after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited) return;
        if (grace > TimeSpan.Zero)
        {
            Signals.Send(_process.Id, Signals.SIGTERM);
            using var cts = new CancellationTokenSource(grace);
            try { await _process.WaitForExitAsync(cts.Token); return; }
            catch (OperationCanceledException) { }
        }
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try { await _process.WaitForExitAsync(wait.Token); } catch (OperationCanceledException) { }
    }

    public void Dispose() => _process.Dispose();
}
