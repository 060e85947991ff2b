using System.Text.Json.Nodes;
using Podnet.Cli.Apply;

namespace Podnet.Lab.Tests.Cli;

public class ApplyMergeTests
{
    private static JsonObject J(string json) => (JsonObject)JsonNode.Parse(json)!;

    [Fact]
    public void Manifest_wins_server_fields_stay_dropped_fields_go()
    {
        var live = J("""
            {"kind":"Service","metadata":{"name":"s","uid":"u1","labels":{"a":"1","b":"2"}},
             "spec":{"clusterIP":"10.96.0.20","type":"NodePort","ports":[{"name":"http","port":80,"nodePort":30080,"protocol":"TCP"}]},
             "status":{"loadBalancer":{}}}
            """);
        var last = J("""{"kind":"Service","metadata":{"name":"s","labels":{"a":"1","b":"2"}},"spec":{"type":"NodePort","ports":[{"name":"http","port":80}]}}""");
        var manifest = J("""{"kind":"Service","metadata":{"name":"s","labels":{"a":"9"}},"spec":{"type":"NodePort","ports":[{"name":"http","port":8080}]}}""");
        var merged = ApplyMerge.Merge(live, last, manifest);
        Assert.Equal("u1", merged["metadata"]!["uid"]!.GetValue<string>());
        Assert.Equal("""{"a":"9"}""", merged["metadata"]!["labels"]!.ToJsonString());
        Assert.Equal("10.96.0.20", merged["spec"]!["clusterIP"]!.GetValue<string>());
        // The port item is matched by name: the new port, the server's nodePort and protocol kept.
        Assert.Equal("""[{"name":"http","port":8080,"nodePort":30080,"protocol":"TCP"}]""", merged["spec"]!["ports"]!.ToJsonString());
        Assert.NotNull(merged["status"]);
    }

    [Fact]
    public void Without_last_applied_nothing_is_removed_and_equal_manifest_changes_nothing()
    {
        var live = J("""{"metadata":{"name":"p","labels":{"x":"1"}},"spec":{"nodeName":"node-1","containers":[{"name":"c","image":"i","ports":[{"containerPort":80,"protocol":"TCP"}]}]}}""");
        var manifest = J("""{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":80}]}]}}""");
        var merged = ApplyMerge.Merge(live, null, manifest);
        Assert.True(JsonNode.DeepEquals(live, merged), merged.ToJsonString());
    }

    [Fact]
    public void Lists_without_a_merge_key_are_replaced_and_null_removes()
    {
        var live = J("""{"spec":{"args":["a","b"],"x":1}}""");
        var merged = ApplyMerge.Merge(live, null, J("""{"spec":{"args":["c"],"x":null}}"""));
        Assert.Equal("""{"spec":{"args":["c"]}}""", merged.ToJsonString());
    }

    [Fact]
    public void Removed_list_items_go_away()
    {
        var live = J("""{"spec":{"containers":[{"name":"a","image":"1"},{"name":"b","image":"2"}]}}""");
        var last = J("""{"spec":{"containers":[{"name":"a","image":"1"},{"name":"b","image":"2"}]}}""");
        var merged = ApplyMerge.Merge(live, last, J("""{"spec":{"containers":[{"name":"b","image":"3"}]}}"""));
        Assert.Equal("""{"spec":{"containers":[{"name":"b","image":"3"}]}}""", merged.ToJsonString());
    }

    [Fact]
    public void Last_applied_round_trips_through_the_annotation()
    {
        var m = J("""{"kind":"Pod","metadata":{"name":"p","annotations":{"keep":"me"}}}""");
        var with = ApplyMerge.WithLastApplied(m);
        var back = ApplyMerge.LastApplied(with)!;
        Assert.True(JsonNode.DeepEquals(m, back));
        Assert.Equal("me", with["metadata"]!["annotations"]!["keep"]!.GetValue<string>());
        // Applying twice does not nest the annotation into itself.
        Assert.True(JsonNode.DeepEquals(with, ApplyMerge.WithLastApplied(with)));
        Assert.Null(ApplyMerge.LastApplied(J("""{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"not json"}}}""")));
    }
}
