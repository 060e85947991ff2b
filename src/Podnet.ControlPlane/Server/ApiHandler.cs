using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.Api.Selectors;
using Podnet.ControlPlane.Storage;

namespace Podnet.ControlPlane.Server;

/// <summary>HTTP front of <see cref="ResourceService"/>: routes Kubernetes paths, maps errors
/// to <c>Status</c> bodies, and streams watches.</summary>
public sealed class ApiHandler(ResourceService svc, CancellationToken stopping)
{
    public async Task HandleAsync(HttpContext ctx)
    {
        try
        {
            var path = ctx.Request.Path.Value ?? "/";
            if (Discovery.TryServe(path) is { } doc) { await WriteAsync(ctx, 200, doc); return; }
            var rp = RequestPath.Parse(path) ?? throw new ApiError(404, "NotFound", $"the server could not find the requested resource ({path})");
            await RouteAsync(ctx, rp);
        }
        catch (ApiError e) { await WriteErrorAsync(ctx, e); }
        catch (FormatException e) { await WriteErrorAsync(ctx, ApiError.BadRequest(e.Message)); }
        catch (JsonException e) { await WriteErrorAsync(ctx, ApiError.BadRequest("invalid JSON in request body: " + e.Message)); }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested || stopping.IsCancellationRequested) { }
        catch (Exception e) { await WriteErrorAsync(ctx, new ApiError(500, "InternalError", $"internal error: {e.GetType().Name}: {e.Message}")); }
    }

    private async Task RouteAsync(HttpContext ctx, RequestPath rp)
    {
        var q = ctx.Request.Query;
        var dryRun = q["dryRun"].Count > 0 && q["dryRun"] != "";
        var ct = ctx.RequestAborted;
        var r = rp.Resource;
        var method = ctx.Request.Method;
        if (rp.Name is null)
        {
            if (rp.Subresource is not null) throw new ApiError(404, "NotFound", "no such path");
            var labels = LabelSelector.Parse(q["labelSelector"]);
            var fields = FieldSelector.Parse(q["fieldSelector"]);
            if (method == "GET" && (q["watch"] == "true" || q["watch"] == "1"))
            {
                await WatchStream.ServeAsync(ctx, svc, rp, labels, fields, stopping);
                return;
            }
            if (method == "GET")
            {
                var (items, rev) = await svc.ListAsync(r, rp.Namespace, labels, fields, ct);
                await WriteAsync(ctx, 200, new JsonObject
                {
                    ["kind"] = r.ListKind,
                    ["apiVersion"] = r.ApiVersion,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = rev.ToString() },
                    ["items"] = new JsonArray(items.Select(i => (JsonNode)i).ToArray()),
                });
                return;
            }
            if (method == "POST")
            {
                if (r.Namespaced && rp.Namespace is null) throw ApiError.MethodNotAllowed($"create {r.Plural} in a namespace: POST {r.CollectionPath("NAMESPACE")}");
                var created = await svc.CreateAsync(r, rp.Namespace, await ReadObjectAsync(ctx), dryRun, ct);
                await WriteAsync(ctx, 201, created);
                return;
            }
            throw ApiError.MethodNotAllowed($"{method} is not supported on {ctx.Request.Path}");
        }

        if (rp.Subresource is not null && (rp.Subresource != "status" || !r.HasStatus))
            throw new ApiError(404, "NotFound", $"{r.Plural} has no subresource \"{rp.Subresource}\"");
        switch (method)
        {
            case "GET":
                if (q["watch"] == "true") { await WatchStream.ServeAsync(ctx, svc, rp with { Name = rp.Name }, LabelSelector.Everything, FieldSelector.Everything, stopping); return; }
                await WriteAsync(ctx, 200, await svc.GetAsync(r, rp.Namespace, rp.Name, ct));
                return;
            case "PUT":
                await WriteAsync(ctx, 200, await svc.UpdateAsync(r, rp.Namespace, rp.Name, await ReadObjectAsync(ctx), rp.Subresource, dryRun, ct));
                return;
            case "PATCH":
                var type = ctx.Request.ContentType?.Split(';')[0].Trim() ?? "";
                var jsonPatch = type == "application/json-patch+json";
                if (!jsonPatch && type is not ("application/merge-patch+json" or "application/strategic-merge-patch+json" or "application/json"))
                    throw new ApiError(415, "UnsupportedMediaType", $"the patch content type \"{type}\" is not supported (use application/merge-patch+json or application/json-patch+json)");
                var patch = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ct) ?? throw ApiError.BadRequest("empty patch");
                await WriteAsync(ctx, 200, await svc.PatchAsync(r, rp.Namespace, rp.Name, patch, rp.Subresource, dryRun, jsonPatch, ct));
                return;
            case "DELETE":
                if (rp.Subresource is not null) throw ApiError.MethodNotAllowed("cannot delete a subresource");
                long? grace = long.TryParse(q["gracePeriodSeconds"], out var g) ? g : null;
                string? precondition = null;
                if (ctx.Request.ContentLength is > 0 || ctx.Request.Headers.TransferEncoding.Count > 0)
                {
                    var opts = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ct) as JsonObject;
                    if (opts?["gracePeriodSeconds"] is JsonValue gv && gv.TryGetValue<long>(out var bg)) grace ??= bg;
                    precondition = opts?["preconditions"].Str("resourceVersion");
                    if (opts?["dryRun"] is JsonArray { Count: > 0 }) dryRun = true;
                }
                await WriteAsync(ctx, 200, await svc.DeleteAsync(r, rp.Namespace, rp.Name, grace, dryRun, precondition, ct));
                return;
            default:
                throw ApiError.MethodNotAllowed($"{method} is not supported on {ctx.Request.Path}");
        }
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext ctx)
    {
        var node = await JsonNode.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
        return node as JsonObject ?? throw ApiError.BadRequest("the request body must be a JSON object");
    }

    private static async Task WriteAsync(HttpContext ctx, int code, JsonObject body)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync(KubeJson.ToBytes(body), ctx.RequestAborted);
    }

    private static async Task WriteErrorAsync(HttpContext ctx, ApiError e)
    {
        if (ctx.Response.HasStarted) return; // mid-stream (watch): nothing more can be said
        try { await WriteAsync(ctx, e.Code, e.ToStatus()); }
        catch (Exception) when (ctx.RequestAborted.IsCancellationRequested) { }
    }
}
