using System.Collections.Concurrent;
using System.Diagnostics;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Resources;
using Podnet.ControlPlane.Storage;
using static Podnet.Api.Tests.Objects;

namespace Podnet.Api.Tests;

/// <summary>An acknowledged write survives SIGKILL of the control plane process.</summary>
public sealed class DurabilityTests
{
    /// <summary>Runs this test assembly as a control plane child process.</summary>
    private sealed class ChildControlPlane : IDisposable
    {
        public Process Process { get; }

        public ChildControlPlane(string socket, string data)
        {
            var dll = typeof(Program).Assembly.Location;
            var psi = new ProcessStartInfo(DotnetHost(), ["exec", dll, "controlplane", "--socket", socket, "--data", data])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            Process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the control plane child");
            Process.OutputDataReceived += (_, _) => { };
            Process.ErrorDataReceived += (_, _) => { };
            Process.BeginOutputReadLine();
            Process.BeginErrorReadLine();
        }

        private static string DotnetHost()
        {
            var self = Environment.ProcessPath;
            return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        }

        /// <summary>SIGKILL: no shutdown code runs.</summary>
        public void Kill()
        {
            Process.Kill(entireProcessTree: false);
            Process.WaitForExit(10000);
        }

        public void Dispose()
        {
            if (!Process.HasExited) Kill();
            Process.Dispose();
        }
    }

    private static async Task WaitHealthyAsync(ApiClient api, Process p)
    {
        await Eventually.WaitAsync(async () =>
        {
            if (p.HasExited) throw new InvalidOperationException($"control plane child exited with {p.ExitCode}");
            return (await api.GetRawAsync("/healthz")).Contains("ok");
        }, "control plane child to serve", 20000);
    }

    [Theory]
    [InlineData(15)] // SIGTERM
    [InlineData(2)]  // SIGINT
    public async Task ASignalStopsItCleanly(int signal)
    {
        var dir = TempDir.Create();
        try
        {
            var socket = Path.Combine(dir, "api.sock");
            using var child = new ChildControlPlane(socket, Path.Combine(dir, "data"));
            using (var api = new ApiClient(socket)) await WaitHealthyAsync(api, child.Process);
            Assert.True(Podnet.Linux.Signals.Send(child.Process.Id, signal));
            Assert.True(child.Process.WaitForExit(10000), $"the control plane still runs 10 s after signal {signal}");
            Assert.Equal(0, child.Process.ExitCode);
            Assert.False(File.Exists(socket), "the socket was not removed: the shutdown code did not run");
        }
        finally { TempDir.Delete(dir); }
    }

    [Fact]
    public async Task AcknowledgedWritesSurviveSigkill()
    {
        var dir = TempDir.Create();
        try
        {
            var socket = Path.Combine(dir, "api.sock");
            var data = Path.Combine(dir, "data");
            var acked = new ConcurrentDictionary<string, string>(); // name → resourceVersion
            long highestRv = 0;
            using (var child = new ChildControlPlane(socket, data))
            using (var api = new ApiClient(socket))
            {
                await WaitHealthyAsync(api, child.Process);
                // Four writers create pods as fast as they can; the process is killed mid-stream.
                using var stop = new CancellationTokenSource();
                var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
                {
                    for (int i = 0; !stop.IsCancellationRequested; i++)
                    {
                        var name = $"p-{w}-{i}";
                        try
                        {
                            var created = await api.CreateAsync(Pod(name));
                            acked[name] = created.ResourceVersion()!;
                            InterlockedMax(ref highestRv, long.Parse(created.ResourceVersion()!));
                        }
                        catch (Exception) { return; } // the server died under us: this write was not acknowledged
                    }
                })).ToArray();
                await Eventually.WaitAsync(() => Task.FromResult(acked.Count >= 150), "150 acknowledged writes", 30000);
                child.Kill();
                stop.Cancel();
                await Task.WhenAll(writers);
                Assert.True(child.Process.HasExited);
            }
            Assert.True(acked.Count >= 150);

            // Restart on the same data: every acknowledged pod is there, unchanged.
            await using var cp = await TestControlPlane.StartAsync(controllers: false, dir: dir);
            var pods = (await cp.Client.ListAsync(ApiResources.Pods, "default")).Items.ToDictionary(p => p.Name()!, p => p.ResourceVersion());
            var missing = acked.Keys.Where(k => !pods.ContainsKey(k)).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} of {acked.Count} acknowledged writes lost, e.g. {string.Join(",", missing.Take(5))}");
            foreach (var (name, rv) in acked) Assert.Equal(rv, pods[name]);
            // The revision counter continues after the highest acknowledged write.
            var next = await cp.Client.CreateAsync(Pod("after-crash"));
            Assert.True(long.Parse(next.ResourceVersion()!) > highestRv);
        }
        finally { TempDir.Delete(dir); }
    }

    [Fact]
    public async Task TornLogTailIsCutOffOnOpen()
    {
        var dir = TempDir.Create();
        try
        {
            await using (var store = FileObjectStore.Open(dir))
            {
                await store.CreateAsync("pods/default/a", Obj("""{"metadata":{"name":"a"}}"""));
                await store.CreateAsync("pods/default/b", Obj("""{"metadata":{"name":"b"}}"""));
            }
            // Simulate a crash in the middle of appending a record (a torn write) plus a second
            // whole-looking but corrupt record.
            var full = new LogRecord(LogOp.Put, 99, "pods/default/c", KubeJson.ToBytes(Obj("""{"metadata":{"name":"c"}}"""))).Encode();
            var log = Path.Combine(dir, "wal.log");
            await File.AppendAllBytesAsync(log, full[..(full.Length / 2)]);
            await using (var store = FileObjectStore.Open(dir))
            {
                Assert.NotNull(await store.GetAsync("pods/default/a"));
                Assert.NotNull(await store.GetAsync("pods/default/b"));
                Assert.Null(await store.GetAsync("pods/default/c"));
                var c = await store.CreateAsync("pods/default/c", Obj("""{"metadata":{"name":"c"}}"""));
                Assert.Equal(3, c.Revision);
                await store.DeleteAsync("pods/default/a", 0);
            }
            var corrupt = full.ToArray();
            corrupt[^1] ^= 0xFF;
            await File.AppendAllBytesAsync(log, corrupt);
            await using (var store = FileObjectStore.Open(dir))
            {
                Assert.Null(await store.GetAsync("pods/default/a"));
                Assert.Equal(3, (await store.GetAsync("pods/default/c"))!.Revision);
                Assert.Equal(4, store.Revision);
                Assert.Equal(0, new FileInfo(log).Length); // compacted into the snapshot on open
            }
        }
        finally { TempDir.Delete(dir); }
    }

    [Fact]
    public async Task StoreConditionalWritesAndWatchHistory()
    {
        var dir = TempDir.Create();
        try
        {
            await using var store = FileObjectStore.Open(dir);
            var a = await store.CreateAsync("k/a", Obj("""{"metadata":{"name":"a"}}"""));
            await Assert.ThrowsAsync<StoreException>(() => store.CreateAsync("k/a", Obj("{}")));
            var b = await store.UpdateAsync("k/a", Obj("""{"metadata":{"name":"a"},"v":1}"""), a.Revision);
            var e = await Assert.ThrowsAsync<StoreException>(() => store.UpdateAsync("k/a", Obj("{}"), a.Revision));
            Assert.Equal(StoreError.Conflict, e.Error);
            using var w = store.Watch("k/", a.Revision);
            Assert.True(w.Events.TryRead(out var ev));
            Assert.Equal((b.Revision, WatchEventType.Modified), (ev!.Object.Revision, ev.Type));
            Assert.Equal(a.Revision, ev.Prev!.Revision);
            await store.DeleteAsync("k/a", 0);
            var del = await w.Events.ReadAsync();
            Assert.Equal(WatchEventType.Deleted, del.Type);
            Assert.Contains("\"v\":1", System.Text.Encoding.UTF8.GetString(del.Object.Value));
        }
        finally { TempDir.Delete(dir); }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        long cur;
        while ((cur = Interlocked.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, cur) != cur) { }
    }
}
