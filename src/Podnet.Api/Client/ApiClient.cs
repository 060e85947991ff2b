using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using Podnet.Api.Json;
using Podnet.Api.Models;
using Podnet.Api.Resources;

namespace Podnet.Api.Client;

/// <summary>Client of the cluster API over its unix socket (or any HTTP base address).
/// Objects are <see cref="JsonObject"/>s so unknown fields survive a read-modify-write;
/// typed helpers deserialize into the model records.</summary>
public sealed class ApiClient : IDisposable
{
    private readonly HttpClient _http;
    public string Endpoint { get; }

    /// <summary>Connects to the API server listening on the unix socket <paramref name="socketPath"/>.</summary>
    public ApiClient(string socketPath)
    {
        Endpoint = socketPath;
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), ct);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch (Exception e)
                {
                    s.Dispose();
                    throw new HttpRequestException($"could not connect to the cluster API at {socketPath}: {e.Message}", e);
                }
            },
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri("http://podnet-api"), Timeout = Timeout.InfiniteTimeSpan };
    }

    public ApiClient(HttpClient http, string endpoint)
    {
        _http = http;
        Endpoint = endpoint;
    }

    /// <summary>Timeout of ordinary (non-watch) requests.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public Task<JsonObject> GetAsync(ApiResource r, string? ns, string name, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, r.ObjectPath(ns, name), null, ct);

    public async Task<JsonObject?> TryGetAsync(ApiResource r, string? ns, string name, CancellationToken ct = default)
    {
        try { return await GetAsync(r, ns, name, ct); }
        catch (ApiException e) when (e.IsNotFound) { return null; }
    }

    public async Task<ObjectList> ListAsync(ApiResource r, string? ns = null, ListOptions? options = null, CancellationToken ct = default)
    {
        var o = await SendAsync(HttpMethod.Get, r.CollectionPath(ns) + (options ?? new()).Query(false), null, ct);
        var items = new List<JsonObject>();
        if (o["items"] is JsonArray arr)
            foreach (var item in arr)
                if (item is JsonObject io)
                {
                    var copy = (JsonObject)io.DeepClone();
                    copy["apiVersion"] ??= r.ApiVersion;
                    copy["kind"] ??= r.Kind;
                    items.Add(copy);
                }
        return new ObjectList(items, o["metadata"].Str("resourceVersion") ?? "0");
    }

    /// <summary>Creates <paramref name="obj"/> at the path given by its kind, apiVersion and namespace.</summary>
    public Task<JsonObject> CreateAsync(JsonObject obj, bool dryRun = false, CancellationToken ct = default)
    {
        var r = ApiResources.Resolve(obj.Kind(), obj.ApiVersion());
        var ns = r.Namespaced ? obj.Namespace() ?? "default" : null;
        return SendAsync(HttpMethod.Post, r.CollectionPath(ns) + DryRun(dryRun), obj, ct);
    }

    /// <summary>Replaces the object (PUT). A set metadata.resourceVersion makes it conditional (409 Conflict if stale).</summary>
    public Task<JsonObject> UpdateAsync(JsonObject obj, bool dryRun = false, CancellationToken ct = default) =>
        PutAsync(obj, null, dryRun, ct);

    /// <summary>Replaces the status subresource (PUT …/status).</summary>
    public Task<JsonObject> UpdateStatusAsync(JsonObject obj, CancellationToken ct = default) =>
        PutAsync(obj, "status", false, ct);

    private Task<JsonObject> PutAsync(JsonObject obj, string? sub, bool dryRun, CancellationToken ct)
    {
        var r = ApiResources.Resolve(obj.Kind(), obj.ApiVersion());
        var name = obj.Name() ?? throw new ArgumentException($"{r.Kind} has no metadata.name");
        return SendAsync(HttpMethod.Put, r.ObjectPath(r.Namespaced ? obj.Namespace() ?? "default" : null, name, sub) + DryRun(dryRun), obj, ct);
    }

    /// <summary>JSON merge patch (RFC 7386) of an object or of its status subresource.</summary>
    public Task<JsonObject> PatchAsync(ApiResource r, string? ns, string name, JsonObject patch, string? subresource = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Patch, r.ObjectPath(ns, name, subresource), patch, ct, "application/merge-patch+json");

    /// <summary>Deletes an object; returns the deleted object (or, for a pod that is being
    /// terminated gracefully, the pod with its deletionTimestamp set).</summary>
    public Task<JsonObject> DeleteAsync(ApiResource r, string? ns, string name, long? gracePeriodSeconds = null, CancellationToken ct = default)
    {
        var q = gracePeriodSeconds is long g ? $"?gracePeriodSeconds={g}" : "";
        return SendAsync(HttpMethod.Delete, r.ObjectPath(ns, name) + q, null, ct);
    }

    /// <summary>Streams watch events until the server ends the watch or <paramref name="ct"/> fires.
    /// A too-old resourceVersion throws <see cref="ApiException"/> with <c>IsGone</c>.</summary>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(ApiResource r, string? ns, ListOptions? options = null,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, r.CollectionPath(ns) + (options ?? new()).Query(true));
        using var resp = await _http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!resp.IsSuccessStatusCode)
            throw ApiException.FromBody(resp.StatusCode, await resp.Content.ReadAsStringAsync(ct));
        await using var stream = await resp.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        while (true)
        {
            string? line;
            try { line = await reader.ReadLineAsync(ct); }
            catch (IOException) { yield break; } // server went away: the caller re-watches
            catch (HttpRequestException) { yield break; }
            if (line is null) yield break;
            if (line.Length == 0) continue;
            var o = KubeJson.Parse(line);
            var type = WatchEvent.ParseType(o.Str("type"));
            var obj = o["object"] as JsonObject ?? new JsonObject();
            o.Remove("object");
            if (type == WatchEventType.Error)
            {
                var st = KubeJson.As<Status>(obj);
                throw new ApiException((HttpStatusCode)(st.Code == 0 ? 500 : st.Code), st);
            }
            yield return new WatchEvent(type, obj);
        }
    }

    // Typed helpers.
    public async Task<T> GetAsync<T>(ApiResource r, string? ns, string name, CancellationToken ct = default) =>
        KubeJson.As<T>(await GetAsync(r, ns, name, ct));

    public async Task<IReadOnlyList<T>> ListAsync<T>(ApiResource r, string? ns = null, ListOptions? options = null, CancellationToken ct = default) =>
        (await ListAsync(r, ns, options, ct)).Items.Select(KubeJson.As<T>).ToList();

    public async Task<T> CreateAsync<T>(T obj, CancellationToken ct = default) where T : IKubeObject =>
        KubeJson.As<T>(await CreateAsync(KubeJson.From(obj), false, ct));

    /// <summary>Raw request, for paths the helpers do not cover (e.g. <c>/version</c>).</summary>
    public async Task<string> GetRawAsync(string path, CancellationToken ct = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(RequestTimeout);
        using var resp = await _http.GetAsync(path, cts.Token);
        var body = await resp.Content.ReadAsStringAsync(cts.Token);
        if (!resp.IsSuccessStatusCode) throw ApiException.FromBody(resp.StatusCode, body);
        return body;
    }

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken ct, string contentType = "application/json")
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(RequestTimeout);
        using var req = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            req.Content = new ByteArrayContent(KubeJson.ToBytes(body));
            req.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }
        HttpResponseMessage resp;
        try { resp = await _http.SendAsync(req, cts.Token); }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{method} {path}: the cluster API at {Endpoint} did not answer within {RequestTimeout.TotalSeconds:0}s");
        }
        using (resp)
        {
            var text = await resp.Content.ReadAsStringAsync(cts.Token);
            if (!resp.IsSuccessStatusCode) throw ApiException.FromBody(resp.StatusCode, text);
            return KubeJson.Parse(text);
        }
    }

    private static string DryRun(bool dryRun) => dryRun ? "?dryRun=All" : "";

    public void Dispose() => _http.Dispose();
}
