using System.Diagnostics;
using Podnet.Testing;

namespace Podnet.Lab.Tests.Cli;

/// <summary>The real podnet program (the podnet.dll built next to the tests): exit codes and stderr
/// of user errors, and the hidden controlplane mode serving the CLI in another process.</summary>
public sealed class BinaryTests
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "podnet.dll");

    private static ShResult Podnet(IDictionary<string, string>? env, params string[] args) =>
        Sh.Run(["dotnet", Dll, .. args], TimeSpan.FromSeconds(30), env: env);

    [Fact]
    public void User_errors_exit_1_without_a_stack_trace()
    {
        var r = Podnet(null, "gett", "pods");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error: unknown command \"gett\" for \"podnet\"", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);

        r = Podnet(null, "get", "pods", "--bogus");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("error: unknown flag: --bogus", r.Stderr);

        r = Podnet(new Dictionary<string, string> { ["PODNET_SOCKET"] = "/nonexistent/api.sock" }, "get", "pods");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("cannot reach the cluster API", r.Stderr);
        Assert.DoesNotContain("   at ", r.Stderr);
    }

    [Fact]
    public async Task Controlplane_mode_serves_the_cli_in_another_process()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pnt-cli-bin-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var sock = Path.Combine(dir, "api.sock");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Dll, "controlplane", "--socket", sock, "--data", Path.Combine(dir, "data") }) psi.ArgumentList.Add(a);
        using var cp = Process.Start(psi)!;
        try
        {
            var env = new Dictionary<string, string> { ["PODNET_SOCKET"] = sock };
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (!File.Exists(sock) && DateTime.UtcNow < deadline && !cp.HasExited) await Task.Delay(50);
            Assert.True(File.Exists(sock), "the control plane did not create its socket");

            var manifest = Path.Combine(dir, "p.yaml");
            File.WriteAllText(manifest, "apiVersion: v1\nkind: Pod\nmetadata: {name: bin-pod, labels: {app: x}}\nspec:\n  containers: [{name: c, image: agnhost}]\n");
            var r = Podnet(env, "apply", "-f", manifest);
            Assert.True(r.Ok, r.Stderr);
            Assert.Equal("pod/bin-pod created\n", r.Stdout);

            r = Podnet(env, "get", "pods", "-l", "app=x", "-o", "name");
            Assert.True(r.Ok, r.Stderr);
            Assert.Equal("pod/bin-pod\n", r.Stdout);

            r = Podnet(env, "get", "pod", "ghost");
            Assert.Equal(1, r.ExitCode);
            Assert.Equal("Error from server (NotFound): pods \"ghost\" not found\n", r.Stderr);
        }
        finally
        {
            try { cp.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            await cp.WaitForExitAsync();
            Directory.Delete(dir, true);
        }
    }
}
