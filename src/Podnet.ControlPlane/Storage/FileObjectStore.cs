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
    public long LogBytes => _log.Length;

    private FileObjectStore(string dir)
    {
        _dir = dir;
        System.IO.Directory.CreateDirectory(dir);
        Load();
        Compact();
        _log = new FileStream(Path.Combine(dir, LogFile), FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, 1, FileOptions.None);
        _log.Seek(0, SeekOrigin.End);
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

    private async Task<StoredObject> WriteAsync(string key, JsonObject? value, CancellationToken ct, Action<StoredObject?> check)
    {
        await _write.WaitAsync(ct);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            StoredObject? prev;
            long rev;
            lock (_mem)
            {
                prev = _objects.GetValueOrDefault(key);
                check(prev);
                rev = _revision + 1;
            }
            // Deletes record the last value with the delete's revision, which watchers receive.
            var source = value ?? KubeJson.Parse(prev!.Value);
            var stamped = (JsonObject)source.DeepClone();
            stamped.Metadata()["resourceVersion"] = rev.ToString();
            var bytes = KubeJson.ToBytes(stamped);
            var record = new LogRecord(value is null ? LogOp.Delete : LogOp.Put, rev, key, value is null ? [] : bytes);
            // Durable before acknowledged: a failed write leaves memory untouched.
            _log.Write(record.Encode());
            _log.Flush(true);
            var stored = new StoredObject(key, bytes, rev);
            lock (_mem)
            {
                _revision = rev;
                if (value is null) _objects.Remove(key);
                else _objects[key] = stored;
            }
            var type = value is null ? WatchEventType.Deleted : prev is null ? WatchEventType.Added : WatchEventType.Modified;
            _hub.Publish(new StoreEvent(type, stored, prev));
            return stored;
        }
        finally { _write.Release(); }
    }

    public StoreWatch Watch(string prefix, long afterRevision)
    {
        // The write lock is not needed: Publish happens in revision order under the hub's lock.
        return _hub.Watch(prefix, afterRevision, Revision);
    }

    public async ValueTask DisposeAsync()
    {
        await _write.WaitAsync();
        try
        {
            if (_disposed) return;
            _disposed = true;
            _hub.CloseAll();
            await _log.DisposeAsync();
        }
        finally { _write.Release(); }
    }
}
