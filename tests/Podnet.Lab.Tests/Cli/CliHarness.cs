using Podnet.Cli;
using Podnet.ControlPlane;

namespace Podnet.Lab.Tests.Cli;

/// <summary>The outcome of one in-process CLI run.</summary>
public sealed record CliResult(int Exit, string Out, string Err)
{
    public override string ToString() => $"exit {Exit}\n--- stdout\n{Out}--- stderr\n{Err}";
}

/// <summary>A real control plane on a temporary unix socket, and the CLI run in-process against it
/// (through $PODNET_SOCKET), so each command costs milliseconds rather than a process start.</summary>
public sealed class CliHarness : IAsyncLifetime
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "pnt-cli-" + Guid.NewGuid().ToString("N")[..10]);
    public string Socket => Path.Combine(Dir, "api.sock");
    public ControlPlaneHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Dir);
        Host = await ControlPlaneHost.StartAsync(new ControlPlaneOptions { SocketPath = Socket, DataDir = Path.Combine(Dir, "data") });
    }

    public async Task DisposeAsync()
    {
        if (Host is not null) await Host.StopAsync();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }

    public Task<CliResult> Run(params string[] args) => RunWithInput(null, args);

    public async Task<CliResult> RunWithInput(string? stdin, params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        using var ctx = new CliContext(o, e, new StringReader(stdin ?? ""),
            env: name => name == "PODNET_SOCKET" ? Socket : null, runRoot: Path.Combine(Dir, "run"));
        var code = await CliApp.RunAsync(args, ctx);
        return new CliResult(code, o.ToString(), e.ToString());
    }

    /// <summary>Writes a manifest into the harness directory and returns its path.</summary>
    public string Manifest(string name, string yaml)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }
}
