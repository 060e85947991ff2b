namespace Podnet.Lab.Pods;

/// <summary>Reads a container's log (for <c>podnet logs</c>): /run/podnet/LAB/pods/NS_POD/CONTAINER.log.</summary>
public static class PodLogs
{
    /// <summary>The log file of <paramref name="container"/> (or of the pod's only container).</summary>
    public static string PathOf(string lab, string ns, string pod, string? container)
    {
        var dir = new LabNames(lab).PodDir(ns, pod);
        if (!Directory.Exists(dir)) throw new InvalidOperationException($"pod \"{ns}/{pod}\" has no logs in lab \"{lab}\" (not started on this lab?)");
        var logs = Directory.EnumerateFiles(dir, "*.log").Select(f => Path.GetFileNameWithoutExtension(f)!).Order().ToList();
        var known = SandboxState.Read(dir)?.Containers ?? logs;
        if (container is null)
        {
            if (known.Count != 1)
                throw new ArgumentException($"pod \"{ns}/{pod}\" has {known.Count} containers: choose one with -c ({string.Join(", ", known)})");
            container = known[0];
        }
        else if (!known.Contains(container))
            throw new ArgumentException($"pod \"{ns}/{pod}\" has no container \"{container}\" (containers: {string.Join(", ", known)})");
        return Path.Combine(dir, container + ".log");
    }

    /// <summary>Writes the log to <paramref name="output"/> (the last <paramref name="tail"/> lines
    /// when given); with <paramref name="follow"/>, keeps writing new lines until <paramref name="ct"/>
    /// fires or the pod's directory is removed.</summary>
    public static async Task WriteAsync(string lab, string ns, string pod, string? container, TextWriter output,
        bool follow = false, int? tail = null, CancellationToken ct = default)
    {
        var path = PathOf(lab, ns, pod, container);
        if (!File.Exists(path)) { if (!follow) return; while (!File.Exists(path)) await Task.Delay(50, ct); }
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(fs);
        if (tail is int n)
        {
            var q = new Queue<string>();
            while (await reader.ReadLineAsync(ct) is { } line) { q.Enqueue(line); if (q.Count > n) q.Dequeue(); }
            foreach (var l in q) await output.WriteLineAsync(l);
        }
        else
        {
            var buf = new char[8192];
            int r;
            while ((r = await reader.ReadAsync(buf, ct)) > 0) await output.WriteAsync(buf, 0, r);
        }
        await output.FlushAsync(ct);
        if (!follow) return;
        var chunk = new char[8192];
        while (!ct.IsCancellationRequested && File.Exists(path))
        {
            int r = await reader.ReadAsync(chunk, ct);
            if (r > 0) { await output.WriteAsync(chunk, 0, r); await output.FlushAsync(ct); }
            else await Task.Delay(100, ct);
        }
    }
}
