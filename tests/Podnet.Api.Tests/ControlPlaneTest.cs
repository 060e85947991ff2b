using Podnet.Api.Client;

namespace Podnet.Api.Tests;

/// <summary>Base of the test classes whose every test gets a fresh control plane (xunit creates
/// one instance per test), with or without its controllers.</summary>
public abstract class ControlPlaneTest(bool controllers = false) : IAsyncLifetime
{
    protected TestControlPlane Cp { get; private set; } = null!;
    protected ApiClient Api => Cp.Client;

    public async Task InitializeAsync() => Cp = await TestControlPlane.StartAsync(controllers);
    public async Task DisposeAsync() => await Cp.DisposeAsync();
}
