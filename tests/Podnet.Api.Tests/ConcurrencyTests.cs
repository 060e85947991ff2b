using System.Diagnostics;
using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Xunit.Abstractions;
using static Podnet.Api.Tests.Objects;

namespace Podnet.Api.Tests;

public sealed class ConcurrencyTests(ITestOutputHelper output) : ControlPlaneTest
{
    [Fact]
    public async Task OptimisticConcurrencyLosesNoIncrement()
    {
        await Api.CreateAsync(Pod("counter"));
        const int writers = 8, each = 15;
        var conflicts = 0;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < each; i++)
            {
                while (true)
                {
                    var cur = await Api.GetAsync(ApiResources.Pods, "default", "counter");
                    var n = int.Parse(cur.AtPath("metadata.annotations.n") ?? "0");
                    cur.Metadata()["annotations"] = new JsonObject { ["n"] = (n + 1).ToString() };
                    try { await Api.UpdateAsync(cur); break; }
                    catch (ApiException e) when (e.IsConflict) { Interlocked.Increment(ref conflicts); }
                }
            }
        })));
        var final = await Api.GetAsync(ApiResources.Pods, "default", "counter");
        Assert.Equal((writers * each).ToString(), final.AtPath("metadata.annotations.n"));
        Assert.True(conflicts > 0, "the writers never raced; the test did not exercise conflicts");
        output.WriteLine($"{writers * each} increments, {conflicts} conflicts retried");
    }

    [Fact]
    public async Task ConcurrentWritesAreGroupCommitted()
    {
        const int n = 200;
        var sw = Stopwatch.StartNew();
        var rvs = await Task.WhenAll(Enumerable.Range(0, n).Select(i => Task.Run(async () =>
            long.Parse((await Api.CreateAsync(Pod($"bulk-{i}"))).ResourceVersion()!))));
        sw.Stop();
        Assert.Equal(n, rvs.Distinct().Count());
        Assert.Equal(n, (await Api.ListAsync(ApiResources.Pods, "default")).Items.Count);
        output.WriteLine($"{n} concurrent creates (each fsynced before ack) in {sw.ElapsedMilliseconds} ms");
        var one = Stopwatch.StartNew();
        for (int i = 0; i < 20; i++) await Api.CreateAsync(Pod($"serial-{i}"));
        output.WriteLine($"serial create latency: {one.ElapsedMilliseconds / 20.0:0.0} ms");
    }
}
