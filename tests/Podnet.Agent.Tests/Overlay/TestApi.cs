using Podnet.Api.Client;
using Podnet.ControlPlane;

namespace Podnet.Agent.Tests.Overlay;

/// <summary>A real control plane (API server + durable store) on a temporary unix socket.</summary>
public sealed class TestApi : IAsyncDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("pnt-ovapi-").FullName;
    public string Socket => Path.Combine(Dir, "api.sock");
    public ControlPlaneHost Host { get; private set; } = null!;

    public static async Task<TestApi> StartAsync()
    {
        var t = new TestApi();
        t.Host = await ControlPlaneHost.StartAsync(new ControlPlaneOptions { SocketPath = t.Socket, DataDir = Path.Combine(t.Dir, "data"), RunControllers = false });
        return t;
    }

    public ApiClient Client() => new(Socket);

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}
