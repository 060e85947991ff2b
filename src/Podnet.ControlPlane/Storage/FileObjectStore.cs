using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;

namespace Podnet.ControlPlane.Storage;

/// <summary>The embedded durable store: state in memory, every change appended to a log and
/// fsynced before it is acknowledged. On open, the snapshot and the log are replayed (a torn
/// tail from a crash is cut off), then compacted into a fresh snapshot and an empty log.</summary>
public sealed class FileObjectStore : IObjectStore
{
    private const string SnapshotFile = "snapshot.db", LogFile = "wal.log", Magic = "podnet-store-v1";

    private readonly string _dir;
    private readonly SemaphoreSlim _write = new(1, 1);
    private readonly object _mem = new();
    private readonly Dictionary<string, StoredObject> _objects = new(StringComparer.Ordinal);
    private readonly FileStream _log;
    private readonly WatchHub _hub;
    private long _revision;
    private bool _disposed;

    public string Directory => _dir;
    public long Revision { get { lock (_mem) return _revision; } }

    private readonly FileStream _lock;

    private FileObjectStore(string dir)
    {
        _dir = dir;
        System.IO.Directory.CreateDirectory(dir);
        // One process per store: FileShare.None takes an exclusive flock, released by the kernel
        // even when the holder is killed with SIGKILL.
        try { _lock = new FileStream(Path.Combine(dir, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException e) { throw new IOException($"the store is in use by another control plane process ({e.Message})", e); }
        try
        {
            Load();
            Compact();
            _log = new FileStream(Path.Combine(dir, LogFile), FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        }
        catch
        {
            _lock.Dispose();
            throw;
        }
        _offset = _log.Length;
        _assigned = _durable = _revision;
        _hub = new WatchHub(_revision);
    }

    /// <summary>Opens (or creates) the store in <paramref name="dir"/>. Only one process may use a directory.</summary>
    public static FileObjectStore Open(string dir)
    {
        try { return new FileObjectStore(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw new IOException($"could not open the cluster store in {dir}: {e.Message}", e);
        }
    }

    private void Load()
    {
        var snap = Path.Combine(_dir, SnapshotFile);
        long snapRev = 0;
        if (File.Exists(snap))
        {
            var (records, valid) = LogRecord.ReadAll(File.ReadAllBytes(snap));
            // The snapshot is written to a temp file and renamed, so it is whole or absent.
            if (records.Count == 0 || records[0].Op != LogOp.Header || records[0].Key != Magic || valid != new FileInfo(snap).Length)
                throw new InvalidDataException($"snapshot {snap} is damaged");
            snapRev = records[0].Revision;
            foreach (var r in records.Skip(1)) _objects[r.Key] = new StoredObject(r.Key, r.Value, r.Revision);
        }
        _revision = snapRev;
        var log = Path.Combine(_dir, LogFile);
        if (!File.Exists(log)) return;
        var (entries, _) = LogRecord.ReadAll(File.ReadAllBytes(log));
        foreach (var r in entries)
        {
            if (r.Revision <= snapRev) continue; // already in the snapshot (crash between snapshot and log reset)
            if (r.Op == LogOp.Put) _objects[r.Key] = new StoredObject(r.Key, r.Value, r.Revision);
            else if (r.Op == LogOp.Delete) _objects.Remove(r.Key);
            _revision = Math.Max(_revision, r.Revision);
        }
    }

    /// <summary>Writes the whole state as a new snapshot and empties the log.</summary>
    private void Compact()
    {
        var tmp = Path.Combine(_dir, SnapshotFile + ".tmp");
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        {
            fs.Write(new LogRecord(LogOp.Header, _revision, Magic, []).Encode());
            foreach (var o in _objects.Values.OrderBy(o => o.Key, StringComparer.Ordinal))
                fs.Write(new LogRecord(LogOp.Put, o.Revision, o.Key, o.Value).Encode());
            fs.Flush(true);
        }
        File.Move(tmp, Path.Combine(_dir, SnapshotFile), overwrite: true);
        SyncDirectory();
        using (var log = new FileStream(Path.Combine(_dir, LogFile), FileMode.Create, FileAccess.Write))
            log.Flush(true);
        SyncDirectory();
    }

    private void SyncDirectory()
    {
        // Makes the rename itself durable across power loss; process crashes do not need it.
        try
        {
            using var h = File.OpenHandle(_dir, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(h);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException) { }
    }

    public ValueTask<StoredObject?> GetAsync(string key, CancellationToken ct = default)
    {
        lock (_mem) return ValueTask.FromResult(_objects.GetValueOrDefault(key));
    }

    public ValueTask<(IReadOnlyList<StoredObject> Items, long Revision)> ListAsync(string prefix, CancellationToken ct = default)
    {
        lock (_mem)
        {
            IReadOnlyList<StoredObject> items = _objects.Values.Where(o => o.Key.StartsWith(prefix, StringComparison.Ordinal))
                .OrderBy(o => o.Key, StringComparer.Ordinal).ToList();
            return ValueTask.FromResult((items, _revision));
        }
    }

    public Task<StoredObject> CreateAsync(string key, JsonObject value, CancellationToken ct = default) =>
        WriteAsync(key, value, ct, prev =>
        {
            if (prev is not null) throw new StoreException(StoreError.AlreadyExists, $"{key} already exists");
        });

    public Task<StoredObject> UpdateAsync(string key, JsonObject value, long expectedRevision, CancellationToken ct = default) =>
        WriteAsync(key, value, ct, prev =>
        {
            if (prev is null) throw new StoreException(StoreError.NotFound, $"{key} not found");
            if (expectedRevision != 0 && prev.Revision != expectedRevision)
                throw new StoreException(StoreError.Conflict, $"{key} was modified (revision {prev.Revision}, expected {expectedRevision})");
        });

    public Task<StoredObject> DeleteAsync(string key, long expectedRevision, CancellationToken ct = default) =>
        WriteAsync(key, null, ct, prev =>
        {
            if (prev is null) throw new StoreException(StoreError.NotFound, $"{key} not found");
            if (expectedRevision != 0 && prev.Revision != expectedRevision)
                throw new StoreException(StoreError.Conflict, $"{key} was modified (revision {prev.Revision}, expected {expectedRevision})");
        });

    // Group commit: writers append under _write (checking preconditions against the durable
    // state plus the writes still waiting for fsync), then one of them fsyncs for everybody
    // appended so far. Only then do the writes become visible to readers and watchers.
    /// <summary>A write waiting for fsync; <c>Event</c> is what watchers get (for deletes, the last value at the delete revision).</summary>
    private sealed record Pending(long Revision, string Key, StoredObject? Stored, StoredObject Event, StoredObject? Prev, WatchEventType Type);
    private readonly List<Pending> _pending = [];
    private readonly Dictionary<string, StoredObject?> _pendingByKey = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _flush = new(1, 1);
    private long _assigned, _durable, _offset;
    private Exception? _failed;

    private async Task<StoredObject> WriteAsync(string key, JsonObject? value, CancellationToken ct, Action<StoredObject?> check)
    {
        Pending entry;
        await _write.WaitAsync(ct);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_failed is not null) throw new IOException($"the store in {_dir} failed earlier: {_failed.Message}", _failed);
            StoredObject? prev;
            lock (_mem)
                prev = _pendingByKey.TryGetValue(key, out var p) ? p : _objects.GetValueOrDefault(key);
            check(prev);
            var rev = _assigned + 1;
            // Deletes record the last value with the delete's revision, which watchers receive.
            var stamped = (JsonObject)(value ?? KubeJson.Parse(prev!.Value)).DeepClone();
            stamped.Metadata()["resourceVersion"] = rev.ToString();
            var bytes = KubeJson.ToBytes(stamped);
            var record = new LogRecord(value is null ? LogOp.Delete : LogOp.Put, rev, key, value is null ? [] : bytes).Encode();
            try { RandomAccess.Write(_log.SafeFileHandle, record, _offset); }
            catch (Exception e) { _failed = e; throw; }
            _offset += record.Length;
            _assigned = rev;
            var stored = new StoredObject(key, bytes, rev);
            var type = value is null ? WatchEventType.Deleted : prev is null ? WatchEventType.Added : WatchEventType.Modified;
            entry = new Pending(rev, key, value is null ? null : stored, stored, prev, type);
            lock (_mem)
            {
                _pending.Add(entry);
                _pendingByKey[key] = entry.Stored;
            }
        }
        finally { _write.Release(); }

        await _flush.WaitAsync(CancellationToken.None); // a write once appended is seen through
        try
        {
            if (_durable < entry.Revision)
            {
                if (_failed is not null) throw new IOException($"the store in {_dir} failed: {_failed.Message}", _failed);
                long target;
                List<Pending> batch;
                lock (_mem)
                {
                    target = _pending[^1].Revision;
                    batch = [.. _pending];
                }
                // Durable before acknowledged (and before anyone can read it).
                try { RandomAccess.FlushToDisk(_log.SafeFileHandle); }
                catch (Exception e) { _failed = e; throw; }
                lock (_mem)
                {
                    foreach (var p in batch)
                    {
                        if (p.Stored is null) _objects.Remove(p.Key);
                        else _objects[p.Key] = p.Stored;
                        _revision = p.Revision;
                    }
                    _pending.RemoveRange(0, batch.Count);
                    _pendingByKey.Clear();
                    foreach (var p in _pending) _pendingByKey[p.Key] = p.Stored;
                }
                foreach (var p in batch)
                    _hub.Publish(new StoreEvent(p.Type, p.Event, p.Prev));
                _durable = target;
            }
        }
        finally { _flush.Release(); }
        return entry.Event;
    }


    public StoreWatch Watch(string prefix, long afterRevision)
    {
        // The write lock is not needed: Publish happens in revision order under the hub's lock.
        return _hub.Watch(prefix, afterRevision, Revision);
    }

    public async ValueTask DisposeAsync()
    {
        await _write.WaitAsync();
        await _flush.WaitAsync();
        try
        {
            if (_disposed) return;
            _disposed = true;
            _hub.CloseAll();
            await _log.DisposeAsync();
            await _lock.DisposeAsync();
        }
        finally
        {
            _flush.Release();
            _write.Release();
        }
    }
}
