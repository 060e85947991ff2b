using System.Net;
using System.Net.Sockets;

namespace Podnet.Dns.Server;

/// <summary>One place that opens a listening TCP socket (DNS over TCP, the HTTP endpoint) and names it on failure.</summary>
internal static class ListenSocket
{
    public static Socket Open(IPEndPoint endpoint, int backlog, string what)
    {
        var s = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            s.Bind(endpoint);
            s.Listen(backlog);
            return s;
        }
        catch (SocketException e)
        {
            s.Dispose();
            throw new InvalidOperationException($"could not listen {what} {endpoint}: {e.Message}", e);
        }
    }
}
