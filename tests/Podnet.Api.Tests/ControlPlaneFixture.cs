using Podnet.Api.Client;
using Podnet.ControlPlane;

namespace Podnet.Api.Tests;

/// <summary>A real control plane on a temporary unix socket and data directory.</summary>
public sealed class TestControlPlane : IAsyncDisposable
{
    public string Dir { get; }
    public string Socket => Path.Combine(Dir, "api.sock");
    public string DataDir => Path.Combine(Dir, "data");
    public ControlPlaneHost Host { get; private set; } = null!;
    public ApiClient Client { get; private set; } = null!;

    private TestControlPlane(string dir) => Dir = dir;

    public static async Task<TestControlPlane> StartAsync(bool controllers = true, string? dir = null)
    {
        var cp = new TestControlPlane(dir ?? TempDir.Create());
        await cp.RestartAsync(controllers);
        return cp;
    }

    /// <summary>Starts (again) on the same socket and data directory.</summary>
    public async Task RestartAsync(bool controllers = true)
    {
        if (Host is not null) await Host.StopAsync();
        Client?.Dispose();
        Host = await ControlPlaneHost.StartAsync(new ControlPlaneOptions { SocketPath = Socket, DataDir = DataDir, RunControllers = controllers });
        Client = new ApiClient(Socket);
    }

    public async Task StopAsync() => await Host.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (Host is not null) await Host.StopAsync();
        TempDir.Delete(Dir);
    }
}

public static class TempDir
{
    public static string Create()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pnt-api-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void Delete(string dir)
    {
        try { Directory.Delete(dir, true); } catch (DirectoryNotFoundException) { }
    }
}

public static class Eventually
{
    /// <summary>Polls until <paramref name="check"/> returns a non-null value or the time is up.</summary>
    public static async Task<T> WaitAsync<T>(Func<Task<T?>> check, string what, int timeoutMs = 10000) where T : class
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await check() is { } v) return v;
            }
            catch (Exception e) { last = e; }
            await Task.Delay(20);
        }
        throw new TimeoutException($"timed out waiting for {what}" + (last is null ? "" : $" (last error: {last.Message})"));
    }

    public static Task WaitAsync(Func<Task<bool>> check, string what, int timeoutMs = 10000) =>
        WaitAsync<object>(async () => await check() ? new object() : null, what, timeoutMs);
}
