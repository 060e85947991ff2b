using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Podnet.Api.Json;
using Podnet.Api.Resources;

namespace Podnet.Api.Client;

/// <summary>An informer event: the object after the change (the last state for a delete) and,
/// for updates and deletes, the cached object before it.</summary>
public sealed record InformerEvent(WatchEventType Type, JsonObject Object, JsonObject? Old);

/// <summary>Keeps a local cache of one resource in sync: list, then watch from the list's
/// resourceVersion; re-lists when the server answers 410 Gone (history compacted, or the
/// control plane restarted) and reports the difference as events; reconnects after errors.</summary>
public sealed class Informer : IAsyncDisposable
{
    private readonly ApiClient _client;
    private readonly ApiResource _resource;
    private readonly string? _namespace;
    private readonly ListOptions _selectors;
    private readonly Action<InformerEvent> _handler;
    private readonly ConcurrentDictionary<string, JsonObject> _cache = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    /// <param name="handler">Called on the informer's loop, one event at a time, after the cache
    /// is updated. Keep it short (hand work to a queue); an exception in it is reported to
    /// <see cref="OnError"/> and does not stop the informer.</param>
    public Informer(ApiClient client, ApiResource resource, Action<InformerEvent> handler, string? ns = null, ListOptions? selectors = null)
    {
        _client = client;
        _resource = resource;
        _handler = handler;
        _namespace = ns;
        _selectors = selectors ?? new ListOptions();
    }

    public Action<Exception>? OnError { get; init; }

    /// <summary>How long one watch request lasts before it is renewed.</summary>
    public int WatchTimeoutSeconds { get; init; } = 300;

    public string ResourceVersion { get; private set; } = "";
    public int Relists { get; private set; }

    /// <summary>The cached objects. Shared, read-only: clone before modifying.</summary>
    public IReadOnlyCollection<JsonObject> Items => _cache.Values.ToList();

    public JsonObject? Get(string? ns, string name) => _cache.TryGetValue(Key(ns, name), out var o) ? o : null;

    /// <summary>Completes once the first list has been loaded into the cache.</summary>
    public Task Synced => _synced.Task;

    public Informer Start()
    {
        _loop ??= Task.Run(() => RunAsync(_stop.Token));
        return this;
    }

    /// <summary>Starts and waits for the first list.</summary>
    public async Task<Informer> StartAndSyncAsync(CancellationToken ct = default)
    {
        Start();
        await _synced.Task.WaitAsync(ct);
        return this;
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var needList = true;
        var backoff = TimeSpan.FromMilliseconds(50);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (needList)
                {
                    await ListAndReplaceAsync(ct);
                    needList = false;
                }
                var opts = _selectors with { ResourceVersion = ResourceVersion, TimeoutSeconds = WatchTimeoutSeconds, AllowBookmarks = true };
                await foreach (var ev in _client.WatchAsync(_resource, _namespace, opts, ct))
                {
                    backoff = TimeSpan.FromMilliseconds(50);
                    if (ev.Object.ResourceVersion() is { } rv) ResourceVersion = rv;
                    if (ev.Type == WatchEventType.Bookmark) continue;
                    Apply(ev.Type, ev.Object);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (ApiException e) when (e.IsGone) { needList = true; Relists++; }
            catch (Exception e)
            {
                OnError?.Invoke(e);
                try { await Task.Delay(backoff, ct); } catch (OperationCanceledException) { return; }
                backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, 2000));
            }
        }
    }

    private async Task ListAndReplaceAsync(CancellationToken ct)
    {
        var list = await _client.ListAsync(_resource, _namespace, _selectors with { ResourceVersion = null }, ct);
        var seen = new HashSet<string>();
        foreach (var item in list.Items)
        {
            var key = Key(item.Namespace(), item.Name()!);
            seen.Add(key);
            if (_cache.TryGetValue(key, out var old) && old.ResourceVersion() == item.ResourceVersion()) continue;
            Apply(old is null ? WatchEventType.Added : WatchEventType.Modified, item);
        }
        foreach (var (key, old) in _cache.ToArray())
            if (!seen.Contains(key)) Apply(WatchEventType.Deleted, old);
        ResourceVersion = list.ResourceVersion;
        _synced.TrySetResult();
    }

    private void Apply(WatchEventType type, JsonObject obj)
    {
        KubeJson.Materialize(obj); // the cache is read from other threads; treat cached objects as read-only
        var key = Key(obj.Namespace(), obj.Name() ?? "");
        _cache.TryGetValue(key, out var old);
        if (type == WatchEventType.Deleted) _cache.TryRemove(key, out _);
        else _cache[key] = obj;
        if (type == WatchEventType.Modified && old is null) type = WatchEventType.Added;
        try { _handler(new InformerEvent(type, obj, old)); }
        catch (Exception e) { OnError?.Invoke(e); }
    }

    private static string Key(string? ns, string name) => ns is null ? name : $"{ns}/{name}";

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_loop is not null)
        {
            try { await _loop; } catch (OperationCanceledException) { }
        }
        _stop.Dispose();
    }
}
