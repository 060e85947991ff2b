using System.Text.Json.Nodes;
using System.Threading.Channels;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using static Podnet.Api.Tests.Objects;

namespace Podnet.Api.Tests;

/// <summary>Watch streams over the real socket, resumption, 410 Gone, and the informer.</summary>
public sealed class WatchTests : ControlPlaneTest
{
    /// <summary>Collects a watch into a channel in the background.</summary>
    private static (ChannelReader<WatchEvent> Events, CancellationTokenSource Stop) Collect(ApiClient api, ApiResource r, string? ns, ListOptions o)
    {
        var ch = Channel.CreateUnbounded<WatchEvent>();
        var stop = new CancellationTokenSource();
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var ev in api.WatchAsync(r, ns, o, stop.Token)) await ch.Writer.WriteAsync(ev);
                ch.Writer.TryComplete();
            }
            catch (Exception e) { ch.Writer.TryComplete(e); }
        });
        return (ch.Reader, stop);
    }

    private static async Task<WatchEvent> NextAsync(ChannelReader<WatchEvent> r)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await r.ReadAsync(cts.Token);
    }

    [Fact]
    public async Task WatchStreamsAddedModifiedDeletedInOrder()
    {
        var list = await Api.ListAsync(ApiResources.Pods, "default");
        var (events, stop) = Collect(Api, ApiResources.Pods, "default", new ListOptions { ResourceVersion = list.ResourceVersion });
        using (stop)
        {
            var created = await Api.CreateAsync(Pod("w"));
            await Api.PatchAsync(ApiResources.Pods, "default", "w", Obj("""{"metadata":{"labels":{"x":"1"}}}"""));
            var deleted = await Api.DeleteAsync(ApiResources.Pods, "default", "w");
            var e1 = await NextAsync(events);
            var e2 = await NextAsync(events);
            var e3 = await NextAsync(events);
            Assert.Equal((WatchEventType.Added, "w"), (e1.Type, e1.Object.Name()));
            Assert.Equal(created.ResourceVersion(), e1.Object.ResourceVersion());
            Assert.Equal((WatchEventType.Modified, "1"), (e2.Type, e2.Object.AtPath("metadata.labels.x")));
            Assert.Equal(WatchEventType.Deleted, e3.Type);
            // The delete event carries the delete's revision, so a resumed watch starts after it.
            Assert.Equal(deleted.ResourceVersion(), e3.Object.ResourceVersion());
            Assert.True(long.Parse(e3.Object.ResourceVersion()!) > long.Parse(e2.Object.ResourceVersion()!));
        }
    }

    [Fact]
    public async Task WatchWithoutResourceVersionStartsWithCurrentObjects()
    {
        await Api.CreateAsync(Pod("pre-1"));
        await Api.CreateAsync(Pod("pre-2"));
        var (events, stop) = Collect(Api, ApiResources.Pods, "default", new ListOptions());
        using (stop)
        {
            var names = new[] { (await NextAsync(events)).Object.Name(), (await NextAsync(events)).Object.Name() };
            Assert.Equal(["pre-1", "pre-2"], names.Order());
            await Api.CreateAsync(Pod("live"));
            Assert.Equal("live", (await NextAsync(events)).Object.Name());
        }
    }

    [Fact]
    public async Task WatchResumesFromAResourceVersion()
    {
        var a = await Api.CreateAsync(Pod("r1"));
        await Api.CreateAsync(Pod("r2"));
        await Api.CreateAsync(Service("r3"));
        await Api.CreateAsync(Pod("r4"));
        var (events, stop) = Collect(Api, ApiResources.Pods, "default", new ListOptions { ResourceVersion = a.ResourceVersion() });
        using (stop)
        {
            Assert.Equal("r2", (await NextAsync(events)).Object.Name());
            Assert.Equal("r4", (await NextAsync(events)).Object.Name()); // services are not in the pod watch
        }
    }

    [Fact]
    public async Task SelectorWatchTurnsLabelChangesIntoAddedAndDeleted()
    {
        await Api.CreateAsync(Pod("sel", labels: new() { ["app"] = "db" }));
        var rv = (await Api.ListAsync(ApiResources.Pods, "default")).ResourceVersion;
        var (events, stop) = Collect(Api, ApiResources.Pods, "default", new ListOptions { ResourceVersion = rv, LabelSelector = "app=web" });
        using (stop)
        {
            await Api.PatchAsync(ApiResources.Pods, "default", "sel", Obj("""{"metadata":{"labels":{"app":"web"}}}"""));
            await Api.PatchAsync(ApiResources.Pods, "default", "sel", Obj("""{"metadata":{"labels":{"v":"2"}}}"""));
            await Api.PatchAsync(ApiResources.Pods, "default", "sel", Obj("""{"metadata":{"labels":{"app":"db"}}}"""));
            Assert.Equal(WatchEventType.Added, (await NextAsync(events)).Type);
            Assert.Equal(WatchEventType.Modified, (await NextAsync(events)).Type);
            Assert.Equal(WatchEventType.Deleted, (await NextAsync(events)).Type);
        }
    }

    [Fact]
    public async Task FieldSelectorWatchOnNodeName()
    {
        var rv = (await Api.ListAsync(ApiResources.Pods)).ResourceVersion;
        var (events, stop) = Collect(Api, ApiResources.Pods, null, new ListOptions { ResourceVersion = rv, FieldSelector = "spec.nodeName=node-2" });
        using (stop)
        {
            await Api.CreateAsync(Pod("on1", node: "node-1"));
            await Api.CreateAsync(Pod("on2", node: "node-2"));
            var ev = await NextAsync(events);
            Assert.Equal(("on2", WatchEventType.Added), (ev.Object.Name(), ev.Type));
        }
    }

    [Fact]
    public async Task TooOldResourceVersionIs410GoneAfterRestart()
    {
        var old = await Api.CreateAsync(Pod("before"));
        await Api.CreateAsync(Pod("before-2"));
        await Cp.RestartAsync(controllers: false);
        var e = await Assert.ThrowsAsync<ApiException>(async () =>
        {
            await foreach (var _ in Cp.Client.WatchAsync(ApiResources.Pods, "default", new ListOptions { ResourceVersion = old.ResourceVersion() })) { }
        });
        Assert.True(e.IsGone, e.Message);
        Assert.Contains("too old resource version", e.Message);
        // The current revision is still watchable after a restart.
        var rv = (await Cp.Client.ListAsync(ApiResources.Pods, "default")).ResourceVersion;
        var (events, stop) = Collect(Cp.Client, ApiResources.Pods, "default", new ListOptions { ResourceVersion = rv });
        using (stop)
        {
            await Cp.Client.CreateAsync(Pod("after"));
            Assert.Equal("after", (await NextAsync(events)).Object.Name());
        }
    }

    [Fact]
    public async Task WatchEndsAfterTimeoutSeconds()
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await foreach (var _ in Api.WatchAsync(ApiResources.Nodes, null, new ListOptions { ResourceVersion = (await Api.ListAsync(ApiResources.Nodes)).ResourceVersion, TimeoutSeconds = 1 })) { }
        Assert.InRange(sw.Elapsed.TotalSeconds, 0.9, 5);
    }

    [Fact]
    public async Task InformerFollowsChangesAndRelistsAfterRestart()
    {
        var events = Channel.CreateUnbounded<InformerEvent>();
        await Api.CreateAsync(Pod("i1"));
        // The informer's client must survive the restart below: give it its own.
        using var client = new ApiClient(Cp.Socket);
        await using var inf = new Informer(client, ApiResources.Pods, e => events.Writer.TryWrite(e), "default");
        await inf.StartAndSyncAsync();
        Assert.Equal(["i1"], inf.Items.Select(i => i.Name()));
        async Task<InformerEvent> Next()
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            return await events.Reader.ReadAsync(cts.Token);
        }
        Assert.Equal((WatchEventType.Added, "i1"), ((await Next()).Type, "i1"));
        await Api.CreateAsync(Pod("i2"));
        var e2 = await Next();
        Assert.Equal((WatchEventType.Added, "i2"), (e2.Type, e2.Object.Name()));

        // Restart the control plane and change things while the informer is disconnected. A
        // write the informer does not watch moves the revision on, so after the restart its
        // resourceVersion is older than the kept history: it must re-list and report the difference.
        await Api.CreateAsync(Service("unrelated"));
        await Cp.StopAsync();
        await Cp.RestartAsync(controllers: false);
        await Cp.Client.DeleteAsync(ApiResources.Pods, "default", "i1");
        await Cp.Client.CreateAsync(Pod("i3"));
        var seen = new List<(WatchEventType, string?)>();
        while (seen.Count < 2)
        {
            var e = await Next();
            seen.Add((e.Type, e.Object.Name()));
        }
        Assert.Contains((WatchEventType.Deleted, "i1"), seen);
        Assert.Contains((WatchEventType.Added, "i3"), seen);
        await Eventually.WaitAsync(() => Task.FromResult(inf.Items.Select(i => i.Name()).Order().SequenceEqual(["i2", "i3"])), "informer cache i2,i3");
        Assert.True(inf.Relists >= 1);
    }
}
