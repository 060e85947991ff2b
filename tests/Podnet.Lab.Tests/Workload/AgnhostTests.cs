using Podnet.Testing;

namespace Podnet.Lab.Tests.Workload;

/// <summary>podnet-agnhost against real sockets in two namespaces joined by a veth.</summary>
public sealed class AgnhostTests(TwoNamespaces net) : IClassFixture<TwoNamespaces>
{
    // Sh collects output line by line: a body without a newline comes back with one.
    private string Curl(string url) => net.Client.Exec("curl", "-sS", "--max-time", "3", url).Check().TrimEnd('\n');

    [Fact]
    public void Http_endpoints_answer_on_every_port()
    {
        Assert.Equal("coffee-1", Curl($"http://{TwoNamespaces.ServerIp}/hostname"));
        Assert.Equal("coffee-1", Curl($"http://{TwoNamespaces.ServerIp}:8080/hostname"));
        Assert.Equal("hello world&x", Curl($"http://{TwoNamespaces.ServerIp}/echo?msg=hello+world%26x"));
        Assert.Equal("ok", Curl($"http://{TwoNamespaces.ServerIp}:8080/healthz"));
        var r = net.Client.Exec("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", $"http://{TwoNamespaces.ServerIp}/nope");
        Assert.Equal("404\n", r.Check());
    }

    [Fact]
    public void Clientip_reports_the_peer_address_without_nat()
    {
        var ip = Curl($"http://{TwoNamespaces.ServerIp}/clientip");
        Assert.StartsWith(TwoNamespaces.ClientIp + ":", ip);
    }

    [Fact]
    public void Http_keep_alive_serves_several_requests_on_one_connection()
    {
        var url = $"http://{TwoNamespaces.ServerIp}/echo?msg=";
        var r = net.Client.Exec("curl", "-sS", "--max-time", "3", "-w", "|%{num_connects}\n", url + "a", url + "b", url + "c");
        // curl reuses the connection: only the first transfer opened one.
        Assert.Equal("a|1\nb|0\nc|0\n", r.Check());
    }

    [Theory]
    [InlineData("tcp", "9000")]
    [InlineData("tcp", "80")]
    [InlineData("udp", "8081")]
    public void Connect_exits_0_when_the_server_answers(string proto, string port)
    {
        var r = net.FromClient("connect", $"{TwoNamespaces.ServerIp}:{port}", "--protocol", proto, "--timeout", "2s");
        Assert.True(r.Ok, r.Stderr + r.Stdout);
    }

    [Theory]
    [InlineData("tcp", "9001", "REFUSED")]
    [InlineData("udp", "8082", "REFUSED")]
    public void Connect_exits_1_when_nothing_listens(string proto, string port, string reason)
    {
        var r = net.FromClient("connect", $"{TwoNamespaces.ServerIp}:{port}", "--protocol", proto, "--timeout", "1s");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(reason, r.Stderr);
    }

    [Fact]
    public void Connect_probes_several_targets_at_once_with_one_line_each()
    {
        var ip = TwoNamespaces.ServerIp;
        var all = net.FromClient("connect", $"{ip}:9000", $"{ip}:80", "--timeout", "2s");
        Assert.True(all.Ok, all.Stderr);
        Assert.Equal(2, all.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var mixed = net.FromClient("connect", $"{ip}:9000", $"{ip}:9001", $"{ip}:80", "--timeout", "2s");
        Assert.Equal(1, mixed.ExitCode);
        Assert.Contains($"tcp {ip}:9000: reachable", mixed.Stdout);
        Assert.Contains($"tcp {ip}:80: reachable", mixed.Stdout);
        Assert.DoesNotContain($"{ip}:9001", mixed.Stdout);
        Assert.Contains($"REFUSED: tcp {ip}:9001", mixed.Stderr);
    }

    [Fact]
    public void Connect_times_out_when_packets_are_dropped()
    {
        // Drop everything the server gets on the veth: no RST, no ICMP, so the probe must time out.
        net.Server.Ip("link", "set", "v-srv", "down").Check();
        try
        {
            var started = DateTime.UtcNow;
            var r = net.FromClient("connect", $"{TwoNamespaces.ServerIp}:9000", "--timeout", "300ms");
            Assert.Equal(1, r.ExitCode);
            Assert.Contains("TIMEOUT", r.Stderr);
            Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
            var u = net.FromClient("connect", $"{TwoNamespaces.ServerIp}:8081", "--protocol", "udp", "--timeout", "300ms");
            Assert.Equal(1, u.ExitCode);
            Assert.Contains("TIMEOUT", u.Stderr);
        }
        finally
        {
            net.Server.Ip("link", "set", "v-srv", "up").Check();
        }
    }

    [Fact]
    public void Tcp_echo_returns_the_bytes_sent()
    {
        var py = "import socket;s=socket.create_connection(('" + TwoNamespaces.ServerIp + "',9000),3);" +
                 "s.sendall(b'x'*100000);s.shutdown(1);d=b''\nwhile True:\n c=s.recv(65536)\n if not c: break\n d+=c\nprint(len(d), d==b'x'*100000)";
        Assert.Equal("100000 True\n", net.Client.Exec("python3", "-c", py).Check());
    }

    [Fact]
    public void Udp_answers_agnhost_commands()
    {
        var py = "import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(2);r=[]\n" +
                 "for m in [b'hostname',b'echo tea',b'clientip']:\n s.sendto(m,('" + TwoNamespaces.ServerIp + "',8081)); r.append(s.recv(100).decode())\nprint('|'.join(r))";
        var outp = net.Client.Exec("python3", "-c", py).Check().Trim();
        Assert.StartsWith($"coffee-1|tea|{TwoNamespaces.ClientIp}:", outp);
    }

    [Theory]
    [InlineData(new[] { "connect" }, "missing HOST:PORT")]
    [InlineData(new[] { "connect", "1.2.3.4" }, "is not HOST:PORT")]
    [InlineData(new[] { "connect", "1.2.3.4:99999" }, "port must be 1-65535")]
    [InlineData(new[] { "connect", "1.2.3.4:80", "--protocol", "sctp" }, "is not tcp or udp")]
    [InlineData(new[] { "connect", "1.2.3.4:80", "--timeout", "soon" }, "--timeout")]
    [InlineData(new[] { "netexec", "--http-port", "0" }, "is not a port")]
    [InlineData(new[] { "netexec", "--bogus", "1" }, "unknown option")]
    [InlineData(new[] { "frobnicate" }, "unknown subcommand")]
    public void Bad_usage_exits_2_naming_the_problem(string[] args, string message)
    {
        var r = Sh.Run([TwoNamespaces.Agnhost, .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.Stderr);
    }

    [Theory]
    [InlineData(15, "8091")] // SIGTERM
    [InlineData(2, "8092")]  // SIGINT
    public async Task Netexec_exits_0_on_a_stop_signal(int signal, string port)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("ip", ["netns", "exec", net.Server.Name, TwoNamespaces.Agnhost, "netexec", "--http-port", port])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var p = System.Diagnostics.Process.Start(psi)!;
        try
        {
            // ip netns exec execs in place: the pid is agnhost's. It handles signals before it prints this.
            Assert.StartsWith("netexec:", await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.True(Podnet.Linux.Signals.Send(p.Id, signal));
            Assert.True(p.WaitForExit(5000), $"netexec still runs 5 s after signal {signal}");
            Assert.Equal(0, p.ExitCode);
        }
        finally { if (!p.HasExited) p.Kill(); }
    }

    [Fact]
    public void Netexec_reports_a_port_in_use()
    {
        var r = net.Server.Exec(TwoNamespaces.Agnhost, "netexec", "--http-port", "80");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("port 80", r.Stderr);
    }
}
