using System.Net.Sockets;

namespace Podnet.Workload.Netexec;

/// <summary>Echoes every byte a TCP client sends until it closes its side.</summary>
internal static class TcpEcho
{
    public static async Task ServeAsync(Socket listener, CancellationToken ct)
    {
        using (listener)
        {
            while (!ct.IsCancellationRequested)
            {
                Socket c = await listener.AcceptAsync(ct);
                _ = EchoAsync(c, ct);
            }
        }
    }

    private static async Task EchoAsync(Socket c, CancellationToken ct)
    {
        using (c)
        {
            var buf = new byte[16 * 1024];
            try
            {
                int n;
                while ((n = await c.ReceiveAsync(buf, SocketFlags.None, ct)) > 0)
                    await c.SendAsync(buf.AsMemory(0, n), SocketFlags.None, ct);
                c.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException) { }
        }
    }
}
