namespace Podnet.Api.Tests;

/// <summary>Lets the durability tests start this assembly as a real control plane child process
/// (<c>dotnet Podnet.Api.Tests.dll controlplane --socket S --data D</c>) and kill it with SIGKILL.</summary>
public static class Program
{
    public static Task<int> Main(string[] args) =>
        args.Length > 0 && args[0] == "controlplane"
            ? Podnet.ControlPlane.ControlPlaneHost.RunAsync(args[1..], CancellationToken.None)
            : Task.FromResult(2);
}
