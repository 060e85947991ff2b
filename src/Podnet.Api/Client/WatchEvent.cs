using System.Text.Json.Nodes;

namespace Podnet.Api.Client;

public enum WatchEventType { Added, Modified, Deleted, Bookmark, Error }

public sealed record WatchEvent(WatchEventType Type, JsonObject Object)
{
    public static WatchEventType ParseType(string? s) => s switch
    {
        "ADDED" => WatchEventType.Added,
        "MODIFIED" => WatchEventType.Modified,
        "DELETED" => WatchEventType.Deleted,
        "BOOKMARK" => WatchEventType.Bookmark,
        _ => WatchEventType.Error,
    };

    public static string Wire(WatchEventType t) => t switch
    {
        WatchEventType.Added => "ADDED",
        WatchEventType.Modified => "MODIFIED",
        WatchEventType.Deleted => "DELETED",
        WatchEventType.Bookmark => "BOOKMARK",
        _ => "ERROR",
    };
}

public sealed record ListOptions
{
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }
    public string? ResourceVersion { get; init; }
    public int? TimeoutSeconds { get; init; }
    public bool AllowBookmarks { get; init; }

    public string Query(bool watch)
    {
        var q = new List<string>();
        if (watch) q.Add("watch=true");
        if (!string.IsNullOrEmpty(LabelSelector)) q.Add("labelSelector=" + Uri.EscapeDataString(LabelSelector));
        if (!string.IsNullOrEmpty(FieldSelector)) q.Add("fieldSelector=" + Uri.EscapeDataString(FieldSelector));
        if (!string.IsNullOrEmpty(ResourceVersion)) q.Add("resourceVersion=" + Uri.EscapeDataString(ResourceVersion));
        if (TimeoutSeconds is int t) q.Add("timeoutSeconds=" + t);
        if (watch && AllowBookmarks) q.Add("allowWatchBookmarks=true");
        return q.Count == 0 ? "" : "?" + string.Join("&", q);
    }
}

/// <summary>A list answer: the items and the resourceVersion to watch from.</summary>
public sealed record ObjectList(IReadOnlyList<JsonObject> Items, string ResourceVersion);
