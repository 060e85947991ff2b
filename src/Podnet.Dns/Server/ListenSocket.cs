using System.Net;
using System.Net.Sockets;

namespace Podnet.Dns.Server;

/// <summary>One place that opens a listening TCP socket (DNS over TCP, the HTTP endpoint), names it
/// on failure, and runs its accept loop.</summary>
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

    /// <summary>Accepts connections until <paramref name="ct"/> fires or the socket is disposed and
    /// serves each on the thread pool; one that <paramref name="admit"/> refuses is closed at once.</summary>
    public static async Task AcceptAsync(Socket listen, Func<bool>? admit, Func<Socket, Task> serve, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket c;
            try { c = await listen.AcceptAsync(ct); }
            catch (Exception) when (ct.IsCancellationRequested) { return; }
            catch (SocketException) { continue; }
            catch (ObjectDisposedException) { return; }
            if (admit is not null && !admit()) { c.Dispose(); continue; }
            _ = Task.Run(() => serve(c));
        }
    }
}
