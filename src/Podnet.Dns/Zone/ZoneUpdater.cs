using System.Diagnostics;
using Podnet.Dns.Metrics;

namespace Podnet.Dns.Zone;

/// <summary>
/// Turns a stream of cluster states into index swaps. Bursts coalesce (only the newest state is
/// built) and builds run off the query path; a change is visible as soon as its build finishes.
/// </summary>
public sealed class ZoneUpdater
{
    private readonly ZoneBuilder _builder;
    private readonly ZoneHolder _holder;
    private readonly DnsMetrics _metrics;
    private readonly Action<string>? _log;
    private ClusterState? _pending;
    private int _running;

    public ZoneUpdater(ZoneOptions options, ZoneHolder holder, DnsMetrics metrics, Action<string>? log = null)
    {
        _builder = new ZoneBuilder(options);
        _holder = holder;
        _metrics = metrics;
        _log = log;
    }

    /// <summary>Queues a new state; returns at once.</summary>
    public void Publish(ClusterState state)
    {
        Volatile.Write(ref _pending, state);
        if (Interlocked.CompareExchange(ref _running, 1, 0) == 0) _ = Task.Run(Drain);
    }

    /// <summary>Builds and swaps synchronously (used at start-up and by tests).</summary>
    public void Apply(ClusterState state) => BuildAndSwap(state);

    private void Drain()
    {
        while (true)
        {
            var s = Interlocked.Exchange(ref _pending, null);
            if (s is not null)
            {
                try { BuildAndSwap(s); }
                catch (Exception e) { _log?.Invoke($"zone build failed, keeping the previous zone: {e}"); }
                continue;
            }
            Volatile.Write(ref _running, 0);
            // A state published between the empty read and the reset would otherwise wait for the next one.
            if (Volatile.Read(ref _pending) is null || Interlocked.CompareExchange(ref _running, 1, 0) != 0) return;
        }
    }

    private void BuildAndSwap(ClusterState state)
    {
        long t0 = Stopwatch.GetTimestamp();
        var index = _builder.Build(state);
        _holder.Swap(index);
        var elapsed = Stopwatch.GetElapsedTime(t0);
        _metrics.ZoneBuilt(index.NameCount, elapsed.TotalSeconds, true);
        // A large build (the first sync of a big cluster) leaves a lot of garbage and committed heap
        // behind; give it back to the OS once instead of carrying it for the life of the process.
        if (elapsed > TimeSpan.FromMilliseconds(500))
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        foreach (var p in _builder.Problems) _log?.Invoke(p);
    }
}
