using System.Threading.Channels;

namespace Podnet.ControlPlane.Controllers;

/// <summary>A de-duplicating queue of keys: a key added while already queued is processed once.</summary>
public sealed class WorkQueue
{
    private readonly Channel<string> _channel = Channel.CreateUnbounded<string>();
    private readonly HashSet<string> _queued = [];
    private readonly object _lock = new();

    public void Add(string key)
    {
        lock (_lock)
            if (!_queued.Add(key)) return;
        _channel.Writer.TryWrite(key);
    }

    public void AddAfter(string key, TimeSpan delay, CancellationToken ct) =>
        _ = Task.Delay(delay, ct).ContinueWith(_ => Add(key), ct, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);

    public async ValueTask<string> TakeAsync(CancellationToken ct)
    {
        var key = await _channel.Reader.ReadAsync(ct);
        lock (_lock) _queued.Remove(key);
        return key;
    }
}

/// <summary>Base of the controllers: informers feed keys into a queue; one worker reconciles
/// them serially; failures are retried with backoff.</summary>
public abstract class QueueController(string name) : IController
{
    protected WorkQueue Queue { get; } = new();
    protected abstract IReadOnlyList<LocalInformer> Informers { get; }
    public string Name => name;
    private readonly Dictionary<string, int> _failures = [];

    public async Task RunAsync(CancellationToken ct)
    {
        var loops = Informers.Select(i => Task.Run(() => i.RunAsync(ct), ct)).ToList();
        try
        {
            await Task.WhenAll(Informers.Select(i => i.Synced)).WaitAsync(ct);
            await OnSyncedAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                var key = await Queue.TakeAsync(ct);
                try
                {
                    await ReconcileAsync(key, ct);
                    _failures.Remove(key);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested) { throw; }
                catch (Exception e)
                {
                    var n = _failures[key] = _failures.GetValueOrDefault(key) + 1;
                    if (n % 10 == 1) Console.Error.WriteLine($"{name}: {key}: {e.Message} (retrying)");
                    Queue.AddAfter(key, TimeSpan.FromMilliseconds(Math.Min(5000, 20 * Math.Pow(2, Math.Min(n, 8)))), ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        try { await Task.WhenAll(loops); } catch (OperationCanceledException) { }
    }

    /// <summary>Runs once all informers have listed; typically enqueues every object.</summary>
    protected abstract Task OnSyncedAsync(CancellationToken ct);

    protected abstract Task ReconcileAsync(string key, CancellationToken ct);
}
