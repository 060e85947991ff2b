using Podnet.Lab.Pods;

namespace Podnet.Cli.Check;

/// <summary>A cell and the address it is probed on (the destination pod's IP, or its Service's ClusterIP).</summary>
public sealed record Probe(Cell Cell, string Address);

/// <summary>Probes cells for real: <c>podnet-agnhost connect</c> runs inside the source pod's network
/// namespace (as <c>podnet exec</c> does), one process per source pod and protocol probing all of
/// its targets at once, a bounded number of processes at a time.</summary>
public sealed class Prober(string lab, TimeSpan timeout, int parallelism)
{
    /// <summary>Returns the cells that were reachable.</summary>
    public async Task<HashSet<Cell>> ReachableAsync(IReadOnlyList<Probe> probes, CancellationToken ct)
    {
        var reachable = new HashSet<Cell>();
        using var gate = new SemaphoreSlim(parallelism);
        var groups = probes.GroupBy(p => (p.Cell.From, p.Cell.Protocol)).ToList();
        var tasks = groups.Select(async g =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var ok = await RunOneAsync(g.Key.From, g.Key.Protocol, g.ToList(), ct);
                lock (reachable) reachable.UnionWith(ok);
            }
            finally { gate.Release(); }
        });
        await Task.WhenAll(tasks);
        return reachable;
    }

    private async Task<IEnumerable<Cell>> RunOneAsync(string from, string protocol, List<Probe> probes, CancellationToken ct)
    {
        var proto = protocol.ToLowerInvariant();
        var byTarget = new Dictionary<string, List<Cell>>();
        foreach (var probe in probes)
        {
            var target = $"{probe.Address}:{probe.Cell.Port}";
            if (!byTarget.TryGetValue(target, out var list)) byTarget[target] = list = [];
            list.Add(probe.Cell);
        }
        var argv = new List<string> { "agnhost", "connect", "--protocol", proto, "--timeout", $"{(int)timeout.TotalMilliseconds}ms" };
        argv.AddRange(byTarget.Keys);
        var (ns, pod) = (from[..from.IndexOf('/')], from[(from.IndexOf('/') + 1)..]);
        using var p = StartProbe(ns, pod, argv);
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync(ct);
        var stderr = p.StandardError.ReadToEndAsync(ct);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout + TimeSpan.FromSeconds(10));
        try { await p.WaitForExitAsync(limit.Token); }
        catch (OperationCanceledException)
        {
            try { p.Kill(true); } catch (InvalidOperationException) { }
            if (ct.IsCancellationRequested) throw;
            throw new CheckException($"probe from {from} ({proto}) did not finish within {(timeout + TimeSpan.FromSeconds(10)).TotalSeconds:0} s");
        }
        var output = await stdout;
        var errors = await stderr;
        if (p.ExitCode is not (0 or 1))
            throw new CheckException($"probe from {from} ({proto}) failed (exit {p.ExitCode}): {errors.Trim()}");
        var ok = new List<Cell>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "tcp 10.244.1.5:80: reachable in 0.4 ms"
            var end = line.IndexOf(": reachable", StringComparison.Ordinal);
            if (end < 0 || !line.StartsWith(proto + " ", StringComparison.Ordinal)) continue;
            if (byTarget.TryGetValue(line[(proto.Length + 1)..end], out var cells)) ok.AddRange(cells);
        }
        return ok;
    }

    private System.Diagnostics.Process StartProbe(string ns, string pod, List<string> argv)
    {
        try { return PodExec.Start(lab, ns, pod, null, argv, redirect: true); }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or System.ComponentModel.Win32Exception)
        {
            throw new CheckException($"cannot probe from pod {ns}/{pod}: {e.Message}", e);
        }
    }
}
