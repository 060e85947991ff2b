using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Podnet.Api.Resources;
using Podnet.ControlPlane.Allocation;
using Podnet.ControlPlane.Controllers;
using Podnet.ControlPlane.Server;
using Podnet.ControlPlane.Storage;
using Podnet.Linux;

namespace Podnet.ControlPlane;

/// <summary>The control plane in one process: durable store, API server on a unix socket and
/// the controllers. Used by tests and by <c>podnet controlplane --socket … --data …</c>.</summary>
public sealed class ControlPlaneHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _controllers = [];
    private bool _stopped;

    public ControlPlaneOptions Options { get; }
    public IObjectStore Store { get; }
    public ResourceService Resources { get; }
    public string SocketPath => Options.SocketPath;

    private ControlPlaneHost(ControlPlaneOptions options, IObjectStore store, ResourceService resources, WebApplication app)
    {
        Options = options;
        Store = store;
        Resources = resources;
        _app = app;
    }

    public static async Task<ControlPlaneHost> StartAsync(ControlPlaneOptions options, CancellationToken ct = default)
    {
        var store = FileObjectStore.Open(options.DataDir);
        try
        {
            var allocator = new ServiceAllocator(options.ServiceCidr);
            var resources = new ResourceService(store, allocator);
            await Bootstrap.RunAsync(resources, ct);

            var dir = Path.GetDirectoryName(Path.GetFullPath(options.SocketPath));
            if (dir is not null) Directory.CreateDirectory(dir);
            await RemoveStaleSocketAsync(options.SocketPath, ct);

            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.ListenUnixSocket(options.SocketPath);
                k.Limits.MaxRequestBodySize = 16 << 20;
                k.Limits.MinResponseDataRate = null; // watches are idle for long stretches
            });
            builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(2));
            var app = builder.Build();
            var host = new ControlPlaneHost(options, store, resources, app);
            var handler = new ApiHandler(resources, host._stopping.Token);
            app.Run(handler.HandleAsync);
            await app.StartAsync(ct);
            if (options.RunControllers) host.StartControllers();
            return host;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>A socket file left by a killed server is removed; one that still answers
    /// belongs to a live server, which must not be hijacked.</summary>
    private static async Task RemoveStaleSocketAsync(string path, CancellationToken ct)
    {
        if (!File.Exists(path)) return;
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        try
        {
            await probe.ConnectAsync(new System.Net.Sockets.UnixDomainSocketEndPoint(path), ct);
            throw new IOException($"another API server is already serving on {path}");
        }
        catch (System.Net.Sockets.SocketException) { File.Delete(path); }
    }

    private void StartControllers()
    {
        foreach (var c in ControllerSet.Create(Resources, Options))
            _controllers.Add(Task.Run(() => c.RunAsync(_stopping.Token)));
    }

    public async Task StopAsync()
    {
        if (_stopped) return;
        _stopped = true;
        _stopping.Cancel();
        try { await _app.StopAsync(); } catch (OperationCanceledException) { }
        try { await Task.WhenAll(_controllers); } catch (OperationCanceledException) { }
        await _app.DisposeAsync();
        await Store.DisposeAsync();
        try { File.Delete(Options.SocketPath); } catch (IOException) { }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>Entry point of <c>podnet controlplane --socket PATH --data DIR</c>; runs until
    /// <paramref name="ct"/> fires (or SIGTERM/SIGINT), returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        string? socket = null, data = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--socket" when i + 1 < args.Length: socket = args[++i]; break;
                case "--data" when i + 1 < args.Length: data = args[++i]; break;
                case "controlplane": break;
                default:
                    await Console.Error.WriteLineAsync($"podnet controlplane: unknown argument \"{args[i]}\" (usage: --socket PATH --data DIR)");
                    return 2;
            }
        }
        if (socket is null || data is null)
        {
            await Console.Error.WriteLineAsync("podnet controlplane: --socket PATH and --data DIR are required");
            return 2;
        }
        using var stop = new StopSignals(ct);
        ControlPlaneHost host;
        try { host = await StartAsync(new ControlPlaneOptions { SocketPath = socket, DataDir = data }, stop.Token); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"podnet controlplane: {e.Message}");
            return 1;
        }
        Console.WriteLine($"podnet controlplane: serving on {socket}, data in {data}");
        try { await Task.Delay(Timeout.Infinite, stop.Token); } catch (OperationCanceledException) { }
        await host.StopAsync();
        return 0;
    }
}

/// <summary>Objects that always exist: the system namespaces and the <c>kubernetes</c> service.</summary>
internal static class Bootstrap
{
    public static async Task RunAsync(ResourceService svc, CancellationToken ct)
    {
        // Repair: the allocator is rebuilt from the stored services (they are the source of truth).
        foreach (var s in (await svc.ListAsync(ApiResources.Services, null, ct: ct)).Items) svc.Services.Restore(s);
        foreach (var ns in ResourceService.SystemNamespaces)
            if (await svc.TryGetAsync(ApiResources.Namespaces, null, ns, ct) is null)
                await svc.CreateAsync(ApiResources.Namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }, ct: ct);
        if (await svc.TryGetAsync(ApiResources.Services, "default", "kubernetes", ct) is null)
            await svc.CreateAsync(ApiResources.Services, "default", new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = "kubernetes",
                    ["labels"] = new JsonObject { ["component"] = "apiserver", ["provider"] = "kubernetes" },
                },
                ["spec"] = new JsonObject
                {
                    ["clusterIP"] = ServiceAllocator.KubernetesIP.ToString(),
                    ["ports"] = new JsonArray(new JsonObject { ["name"] = "https", ["port"] = 443, ["protocol"] = "TCP", ["targetPort"] = 6443 }),
                },
            }, ct: ct);
    }
}
