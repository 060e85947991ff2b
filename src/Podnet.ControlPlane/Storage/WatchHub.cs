using System.Threading.Channels;

namespace Podnet.ControlPlane.Storage;

/// <summary>Recent change history and live watchers. Watches resume from any revision still in
/// the history; older ones get TooOld (HTTP 410), like a compacted etcd.</summary>
public sealed class WatchHub
{
    private readonly object _lock = new();
    private readonly Queue<StoreEvent> _history = new();
    private readonly List<Watcher> _watchers = [];
    private readonly int _capacity;
    private readonly int _maxBacklog;
    private long _compacted;

    private sealed record Watcher(string Prefix, long After, Channel<StoreEvent> Channel);

    /// <param name="startRevision">Revision of the state the history starts after (e.g. at load).</param>
    public WatchHub(long startRevision, int capacity = 20000, int maxBacklog = 20000)
    {
        _compacted = startRevision;
        _capacity = capacity;
        _maxBacklog = maxBacklog;
    }

    public long CompactedRevision { get { lock (_lock) return _compacted; } }

    /// <summary>Records an event and hands it to matching watchers. Called in revision order.</summary>
    public void Publish(StoreEvent ev)
    {
        lock (_lock)
        {
            _history.Enqueue(ev);
            while (_history.Count > _capacity) _compacted = _history.Dequeue().Object.Revision;
            for (int i = _watchers.Count - 1; i >= 0; i--)
            {
                var w = _watchers[i];
                if (ev.Object.Revision <= w.After || !ev.Object.Key.StartsWith(w.Prefix, StringComparison.Ordinal)) continue;
                if (w.Channel.Reader.Count >= _maxBacklog)
                {
                    // A watcher that stopped reading would hold memory forever: end it; the client re-watches.
                    w.Channel.Writer.TryComplete(new StoreException(StoreError.TooOld, "watcher fell too far behind"));
                    _watchers.RemoveAt(i);
                    continue;
                }
                w.Channel.Writer.TryWrite(ev);
            }
        }
    }

    public StoreWatch Watch(string prefix, long afterRevision, long currentRevision)
    {
        var ch = Channel.CreateUnbounded<StoreEvent>();
        lock (_lock)
        {
            if (afterRevision < _compacted)
                throw new StoreException(StoreError.TooOld, $"too old resource version: {afterRevision} ({_compacted})");
            if (afterRevision > currentRevision)
                throw new StoreException(StoreError.TooOld, $"resource version {afterRevision} is newer than the current {currentRevision}");
            foreach (var ev in _history)
                if (ev.Object.Revision > afterRevision && ev.Object.Key.StartsWith(prefix, StringComparison.Ordinal))
                    ch.Writer.TryWrite(ev);
            var w = new Watcher(prefix, afterRevision, ch);
            _watchers.Add(w);
            return new StoreWatch(ch.Reader, () =>
            {
                lock (_lock) _watchers.Remove(w);
                ch.Writer.TryComplete();
            });
        }
    }

    /// <summary>Ends every watch (on shutdown).</summary>
    public void CloseAll()
    {
        lock (_lock)
        {
            foreach (var w in _watchers) w.Channel.Writer.TryComplete();
            _watchers.Clear();
        }
    }
}
