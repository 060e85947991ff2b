using System.Diagnostics;
using Podnet.Testing;

namespace Podnet.Lab.Tests.Workload;

/// <summary>Two throwaway namespaces joined by a veth (10.99.0.1/24 — 10.99.0.2/24), with
/// podnet-agnhost netexec running in the server side on HTTP 80,8080, TCP 9000, UDP 8081.</summary>
public sealed class TwoNamespaces : IDisposable
{
    public TestNetns Server { get; } = new("lab");
    public TestNetns Client { get; } = new("lab");
    public const string ServerIp = "10.99.0.1";
    public const string ClientIp = "10.99.0.2";
    private readonly Process _netexec;

    public TwoNamespaces()
    {
        try
        {
            Server.Ip("link", "add", "v-srv", "type", "veth", "peer", "name", "v-cli", "netns", Client.Name).Check();
            Server.Ip("addr", "add", ServerIp + "/24", "dev", "v-srv").Check();
            Client.Ip("addr", "add", ClientIp + "/24", "dev", "v-cli").Check();
            foreach (var ns in new[] { Server, Client })
            {
                ns.Ip("link", "set", "lo", "up").Check();
                ns.Ip("link", "set", ns == Server ? "v-srv" : "v-cli", "up").Check();
            }
            var psi = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "netns", "exec", Server.Name, Agnhost, "netexec", "--http-port", "80,8080", "--tcp-port", "9000", "--udp-port", "8081" })
                psi.ArgumentList.Add(a);
            psi.Environment["HOSTNAME"] = "coffee-1";
            _netexec = Process.Start(psi)!;
            // Ready once it printed its banner (it listens before printing).
            var line = _netexec.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            Assert.StartsWith("netexec:", line);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public static string Agnhost => Binaries.Path("podnet-agnhost");

    /// <summary>Runs podnet-agnhost in the client namespace.</summary>
    public ShResult FromClient(params string[] args) => Client.Exec([Agnhost, .. args]);

    public void Dispose()
    {
        try { if (_netexec is { HasExited: false }) _netexec.Kill(true); } catch (InvalidOperationException) { }
        _netexec?.Dispose();
        Server.Dispose();
        Client.Dispose();
    }
}
