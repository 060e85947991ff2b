using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Podnet.Workload.Netexec;

/// <summary>UDP server: agnhost's commands ("hostname", "clientip", "echo M") and otherwise a
/// verbatim echo of the datagram (what <c>connect --protocol udp</c> relies on).</summary>
internal sealed class UdpEcho(string hostname)
{
    public async Task ServeAsync(Socket sock, CancellationToken ct)
    {
        using (sock)
        {
            var buf = new byte[65536];
            EndPoint any = sock.AddressFamily == AddressFamily.InterNetworkV6
                ? new IPEndPoint(IPAddress.IPv6Any, 0) : new IPEndPoint(IPAddress.Any, 0);
            while (!ct.IsCancellationRequested)
            {
                SocketReceiveFromResult r;
                try { r = await sock.ReceiveFromAsync(buf, SocketFlags.None, any, ct); }
                catch (SocketException) { continue; } // e.g. ICMP errors reported on the socket
                var reply = Answer(buf.AsMemory(0, r.ReceivedBytes), r.RemoteEndPoint);
                try { await sock.SendToAsync(reply, SocketFlags.None, r.RemoteEndPoint, ct); }
                catch (SocketException) { }
            }
        }
    }

    internal ReadOnlyMemory<byte> Answer(ReadOnlyMemory<byte> data, EndPoint from)
    {
        var text = data.Length <= 1024 ? Encoding.UTF8.GetString(data.Span).TrimEnd('\n', '\r') : null;
        return text switch
        {
            "hostname" => Encoding.UTF8.GetBytes(hostname),
            "clientip" => Encoding.UTF8.GetBytes(NetexecCommand.Describe(from)),
            not null when text.StartsWith("echo ") => Encoding.UTF8.GetBytes(text[5..]),
            _ => data,
        };
    }
}
