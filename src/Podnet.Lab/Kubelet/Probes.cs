using System.Net;
using System.Net.Sockets;
using Podnet.Api.Models;

namespace Podnet.Lab.Kubelet;

/// <summary>Readiness probes as the kubelet runs them: from the node to the pod's IP (tcpSocket:
/// a connect succeeds; httpGet: a status 200-399). Exec probes run the command in the pod.</summary>
public sealed class Probes(HttpClient http)
{
    public async Task<bool> RunAsync(Probe probe, Container c, IPAddress podIp, string? netns, CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(Math.Max(1, probe.TimeoutSeconds ?? 1));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            if (probe.TcpSocket is { } tcp)
            {
                var ip = tcp.Host is { } h && IPAddress.TryParse(h, out var hip) ? hip : podIp;
                using var s = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                await s.ConnectAsync(new IPEndPoint(ip, ResolvePort(tcp.Port, c)), cts.Token);
                return true;
            }
            if (probe.HttpGet is { } get)
            {
                var host = get.Host ?? podIp.ToString();
                var scheme = (get.Scheme ?? "HTTP").ToLowerInvariant();
                var path = get.Path is { Length: > 0 } p ? (p.StartsWith('/') ? p : "/" + p) : "/";
                using var resp = await http.GetAsync($"{scheme}://{host}:{ResolvePort(get.Port, c)}{path}", cts.Token);
                return (int)resp.StatusCode is >= 200 and < 400;
            }
            if (probe.Exec?.Command is { Count: > 0 } cmd)
            {
                var psi = new System.Diagnostics.ProcessStartInfo(netns is null ? cmd[0] : "ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                if (netns is not null) foreach (var a in new[] { "netns", "exec", netns, cmd[0] }) psi.ArgumentList.Add(a);
                foreach (var a in cmd.Skip(1)) psi.ArgumentList.Add(a);
                using var proc = System.Diagnostics.Process.Start(psi)!;
                try { await proc.WaitForExitAsync(cts.Token); }
                catch (OperationCanceledException) { try { proc.Kill(true); } catch (InvalidOperationException) { } return false; }
                return proc.ExitCode == 0;
            }
            return true; // a probe with no handler (rejected by validation) does not block readiness
        }
        catch (Exception e) when (e is SocketException or HttpRequestException or OperationCanceledException or IOException)
        {
            if (ct.IsCancellationRequested) throw;
            return false;
        }
    }

    /// <summary>A number, or the name of one of the container's ports.</summary>
    public static int ResolvePort(IntOrString port, Container c)
    {
        if (port.IntValue is int i) return i;
        if (int.TryParse(port.StringValue, out int n)) return n;
        return c.Ports?.FirstOrDefault(p => p.Name == port.StringValue)?.Port
            ?? throw new ArgumentException($"container \"{c.Name}\": probe port \"{port.StringValue}\" names no port of the container");
    }
}
