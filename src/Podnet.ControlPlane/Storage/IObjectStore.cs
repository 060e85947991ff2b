using System.Text.Json.Nodes;
using System.Threading.Channels;
using Podnet.Api.Client;

namespace Podnet.ControlPlane.Storage;

/// <summary>One stored value: its JSON (with metadata.resourceVersion set to
/// <see cref="Revision"/>) and the cluster-wide revision of its last change.</summary>
public sealed record StoredObject(string Key, byte[] Value, long Revision);

/// <summary>A change seen by a watch. For deletes, <see cref="Object"/> is the last value
/// re-stamped with the delete's revision.</summary>
public sealed record StoreEvent(WatchEventType Type, StoredObject Object, StoredObject? Prev);

public enum StoreError { NotFound, AlreadyExists, Conflict, TooOld }

public sealed class StoreException(StoreError error, string message) : Exception(message)
{
    public StoreError Error { get; } = error;
}

/// <summary>The storage seam (the role etcd plays for kube-apiserver). Keys are
/// <c>pods/default/web</c>-style paths; revisions are one cluster-wide counter.
/// An acknowledged write is durable.</summary>
public interface IObjectStore : IAsyncDisposable
{
    long Revision { get; }

    ValueTask<StoredObject?> GetAsync(string key, CancellationToken ct = default);

    /// <summary>All objects under <paramref name="prefix"/> in key order, and the revision they reflect.</summary>
    ValueTask<(IReadOnlyList<StoredObject> Items, long Revision)> ListAsync(string prefix, CancellationToken ct = default);

    Task<StoredObject> CreateAsync(string key, JsonObject value, CancellationToken ct = default);

    /// <summary>Replaces a value; <paramref name="expectedRevision"/> 0 means unconditional.</summary>
    Task<StoredObject> UpdateAsync(string key, JsonObject value, long expectedRevision, CancellationToken ct = default);

    Task<StoredObject> DeleteAsync(string key, long expectedRevision, CancellationToken ct = default);

    /// <summary>Changes under <paramref name="prefix"/> after <paramref name="afterRevision"/>;
    /// throws <see cref="StoreException"/> TooOld when that history is no longer kept.</summary>
    StoreWatch Watch(string prefix, long afterRevision);
}

/// <summary>A live watch; dispose to stop it. The channel completes with an exception if the
/// watcher falls too far behind.</summary>
public sealed class StoreWatch(ChannelReader<StoreEvent> events, Action stop) : IDisposable
{
    public ChannelReader<StoreEvent> Events { get; } = events;
    public void Dispose() => stop();
}
