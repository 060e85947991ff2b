using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.ControlPlane.Server;
using Podnet.ControlPlane.Storage;

namespace Podnet.ControlPlane.Controllers;

/// <summary>In-process informer for controllers: list then watch straight from the store
/// (no HTTP), keeping a cache of parsed objects keyed by <c>ns/name</c> (or <c>name</c>).</summary>
public sealed class LocalInformer(ResourceService svc, ApiResource resource)
{
    private readonly ConcurrentDictionary<string, JsonObject> _cache = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Action<WatchEventType, JsonObject, JsonObject?>> _handlers = [];

    public ApiResource Resource => resource;
    public Task Synced => _synced.Task;
    public ICollection<JsonObject> Items => _cache.Values;

    public static string Key(JsonObject o) => o.Namespace() is { } ns ? $"{ns}/{o.Name()}" : o.Name()!;

    public JsonObject? Get(string key) => _cache.TryGetValue(key, out var o) ? o : null;
    public JsonObject? Get(string? ns, string name) => Get(ns is null ? name : $"{ns}/{name}");

    /// <summary>Adds a handler (before <see cref="RunAsync"/>): called with the new object (the last
    /// state for deletes) and the previous cached one.</summary>
    public void OnChange(Action<WatchEventType, JsonObject, JsonObject?> handler) => _handlers.Add(handler);

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var (items, rev) = await svc.Store.ListAsync(resource.KeyPrefix(null), ct);
            var seen = new HashSet<string>();
            foreach (var item in items)
            {
                var o = KubeJson.Parse(item.Value);
                seen.Add(Key(o));
                Apply(WatchEventType.Added, o);
            }
            foreach (var (key, old) in _cache.ToArray())
                if (!seen.Contains(key)) Apply(WatchEventType.Deleted, old);
            _synced.TrySetResult();
            StoreWatch watch;
            try { watch = svc.Store.Watch(resource.KeyPrefix(null), rev); }
            catch (StoreException) { continue; }
            using (watch)
            {
                try
                {
                    await foreach (var ev in watch.Events.ReadAllAsync(ct))
                        Apply(ev.Type, KubeJson.Parse(ev.Object.Value));
                }
                catch (StoreException) { } // fell behind: list again
                catch (System.Threading.Channels.ChannelClosedException) { }
            }
            if (!ct.IsCancellationRequested) await Task.Delay(50, ct);
        }
    }

    private void Apply(WatchEventType type, JsonObject obj)
    {
        KubeJson.Materialize(obj); // read by the informer thread and the controller's worker
        var key = Key(obj);
        _cache.TryGetValue(key, out var old);
        if (type == WatchEventType.Deleted) _cache.TryRemove(key, out _);
        else
        {
            if (old is not null && old.ResourceVersion() == obj.ResourceVersion()) return;
            _cache[key] = obj;
        }
        foreach (var h in _handlers) h(type, obj, old);
    }
}
