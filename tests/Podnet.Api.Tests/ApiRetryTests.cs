using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using static Podnet.Api.Tests.Objects;

namespace Podnet.Api.Tests;

/// <summary>The one 409-retry loop the CLI's apply and the lab share, against a real control plane.</summary>
public sealed class ApiRetryTests : ControlPlaneTest
{
    private static JsonObject WithLabel(JsonObject o, string value)
    {
        var c = (JsonObject)o.DeepClone();
        c.Metadata()["labels"] = new JsonObject { ["v"] = value };
        return c;
    }

    [Fact]
    public async Task A_write_that_lost_the_race_is_redone_on_a_fresh_read()
    {
        var stale = await Api.CreateAsync(Pod("p"));
        await Api.UpdateAsync(WithLabel(stale, "other-writer"));
        var attempts = new List<int>();
        var written = await ApiRetry.OnConflictAsync(async attempt =>
        {
            attempts.Add(attempt);
            var from = attempt == 0 ? stale : await Api.GetAsync(ApiResources.Pods, "default", "p");
            return await Api.UpdateAsync(WithLabel(from, "mine"));
        }, default);
        Assert.Equal([0, 1], attempts);
        Assert.Equal("mine", (await Api.GetAsync(ApiResources.Pods, "default", "p")).AtPath("metadata.labels.v"));
        Assert.Equal("mine", written.AtPath("metadata.labels.v"));
    }

    [Fact]
    public async Task After_the_last_attempt_the_conflict_is_thrown()
    {
        var stale = await Api.CreateAsync(Pod("q"));
        await Api.UpdateAsync(WithLabel(stale, "other-writer"));
        int calls = 0;
        var e = await Assert.ThrowsAsync<ApiException>(() => ApiRetry.OnConflictAsync(() => { calls++; return Api.UpdateAsync(WithLabel(stale, "mine")); }, default, attempts: 3));
        Assert.True(e.IsConflict, e.Message);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task Other_errors_are_not_retried()
    {
        int calls = 0;
        var e = await Assert.ThrowsAsync<ApiException>(() => ApiRetry.OnConflictAsync(() => { calls++; return Api.GetAsync(ApiResources.Pods, "default", "missing"); }, default));
        Assert.True(e.IsNotFound, e.Message);
        Assert.Equal(1, calls);
    }
}
