using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Api.Selectors;
using Podnet.ControlPlane.Storage;

namespace Podnet.ControlPlane.Server;

/// <summary>Serves <c>?watch=true</c>: newline-delimited <c>{"type":…,"object":…}</c> events.
/// Without a resourceVersion (or with "0") the current objects come first as ADDED events.</summary>
public static class WatchStream
{
    public static async Task ServeAsync(HttpContext ctx, ResourceService svc, RequestPath rp, LabelSelector labels,
        FieldSelector fields, CancellationToken stopping)
    {
        var q = ctx.Request.Query;
        var rvText = q["resourceVersion"].ToString();
        var timeout = int.TryParse(q["timeoutSeconds"], out var t) && t > 0 ? TimeSpan.FromSeconds(t) : TimeSpan.FromMinutes(30);
        var bookmarks = q["allowWatchBookmarks"] == "true";
        var prefix = rp.Resource.KeyPrefix(rp.Namespace);
        if (rp.Name is not null) fields = new FieldSelector([.. fields.Terms, ("metadata.name", true, rp.Name)]);

        List<JsonObject> initial = [];
        long from;
        if (string.IsNullOrEmpty(rvText) || rvText == "0")
            (initial, from) = await svc.ListAsync(rp.Resource, rp.Namespace, labels, fields, ctx.RequestAborted);
        else if (!long.TryParse(rvText, out from) || from < 0)
            throw ApiError.BadRequest($"invalid resourceVersion \"{rvText}\"");

        StoreWatch watch;
        try { watch = svc.Store.Watch(prefix, from); }
        catch (StoreException e) when (e.Error == StoreError.TooOld) { throw ApiError.Gone(e.Message); }

        using (watch)
        using (var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, stopping))
        {
            cts.CancelAfter(timeout);
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "application/json";
            var body = ctx.Response.Body;
            foreach (var o in initial) await WriteAsync(body, WatchEventType.Added, KubeJson.ToBytes(o), cts.Token);
            await body.FlushAsync(cts.Token);
            try
            {
                while (!cts.IsCancellationRequested)
                {
                    var reader = watch.Events;
                    var published = svc.Store.Revision;
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
                    wait.CancelAfter(TimeSpan.FromSeconds(bookmarks ? 5 : 60));
                    bool ready;
                    try { ready = await reader.WaitToReadAsync(wait.Token); }
                    catch (OperationCanceledException) when (!cts.IsCancellationRequested)
                    {
                        if (bookmarks && published > from) await SendBookmarkAsync(body, rp.Resource, from = published, cts.Token);
                        continue;
                    }
                    if (!ready) break;
                    while (reader.TryRead(out var ev))
                    {
                        from = ev.Object.Revision;
                        var filtered = Filter(ev, labels, fields);
                        if (filtered is { } f) await WriteAsync(body, f.Type, f.Bytes, cts.Token);
                    }
                    await body.FlushAsync(cts.Token);
                }
            }
            catch (OperationCanceledException) { }
            catch (StoreException) { } // watcher fell behind: end the stream, the client re-watches
            catch (IOException) { }
        }
    }

    private static (WatchEventType Type, byte[] Bytes)? Filter(StoreEvent ev, LabelSelector labels, FieldSelector fields)
    {
        if (ReferenceEquals(labels, LabelSelector.Everything) && ReferenceEquals(fields, FieldSelector.Everything))
            return (ev.Type, ev.Object.Value);
        var now = KubeJson.Parse(ev.Object.Value);
        var nowMatch = labels.Matches(now) && fields.Matches(now);
        var prevMatch = false;
        if (ev.Prev is not null)
        {
            var prev = KubeJson.Parse(ev.Prev.Value);
            prevMatch = labels.Matches(prev) && fields.Matches(prev);
        }
        return ev.Type switch
        {
            WatchEventType.Modified when nowMatch && prevMatch => (WatchEventType.Modified, ev.Object.Value),
            WatchEventType.Modified when nowMatch => (WatchEventType.Added, ev.Object.Value),
            WatchEventType.Modified when prevMatch => (WatchEventType.Deleted, ev.Object.Value),
            WatchEventType.Added or WatchEventType.Deleted when nowMatch => (ev.Type, ev.Object.Value),
            _ => null,
        };
    }

    private static readonly byte[] Tail = "}\n"u8.ToArray();

    private static async Task WriteAsync(Stream body, WatchEventType type, byte[] obj, CancellationToken ct)
    {
        await body.WriteAsync(Encoding.UTF8.GetBytes($"{{\"type\":\"{WatchEvent.Wire(type)}\",\"object\":"), ct);
        await body.WriteAsync(obj, ct);
        await body.WriteAsync(Tail, ct);
    }

    private static async Task SendBookmarkAsync(Stream body, ApiResource r, long rev, CancellationToken ct)
    {
        var o = new JsonObject { ["kind"] = r.Kind, ["apiVersion"] = r.ApiVersion, ["metadata"] = new JsonObject { ["resourceVersion"] = rev.ToString() } };
        await WriteAsync(body, WatchEventType.Bookmark, KubeJson.ToBytes(o), ct);
        await body.FlushAsync(ct);
    }
}
