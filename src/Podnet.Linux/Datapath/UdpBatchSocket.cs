using System.Buffers.Binary;
using System.Net;
using Podnet.Linux.Interop;

namespace Podnet.Linux.Datapath;

/// <summary>A non-blocking IPv4 UDP socket (created in the calling thread's namespace) that sends
/// and receives whole <see cref="PacketBatch"/>es with one sendmmsg/recvmmsg call.</summary>
public sealed class UdpBatchSocket : IDisposable
{
    private readonly SafeFdHandle _fd;
    private readonly string _label;

    private UdpBatchSocket(SafeFdHandle fd, string label) { _fd = fd; _label = label; }

    public static UdpBatchSocket Bind(IPAddress address, ushort port, int bufferBytes = 4 << 20)
    {
        string label = $"udp socket {address}:{port}";
        var fd = Libc.Socket(Libc.AF_INET, Libc.SOCK_DGRAM, 0);
        if (fd.IsInvalid) throw new PodnetLinuxException("create", label, null, Errno.Last());
        // Larger buffers absorb bursts between batches; FORCE works as root, plain as fallback.
        if (Libc.SetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, bufferBytes) != 0) Libc.SetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, bufferBytes);
        if (Libc.SetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_SNDBUFFORCE, bufferBytes) != 0) Libc.SetSockOpt(fd, Libc.SOL_SOCKET, Libc.SO_SNDBUF, bufferBytes);
        Span<byte> sa = stackalloc byte[16];
        sa.Clear();
        BinaryPrimitives.WriteUInt16LittleEndian(sa, Libc.AF_INET);
        BinaryPrimitives.WriteUInt16BigEndian(sa[2..], port);
        address.TryWriteBytes(sa[4..8], out _);
        if (Libc.Bind(fd, sa) != 0)
        {
            int e = Errno.Last();
            fd.Dispose();
            throw new PodnetLinuxException("bind", label, null, e);
        }
        return new UdpBatchSocket(fd, label);
    }

    public bool WaitReadable(int timeoutMs) => Libc.PollIn(_fd, timeoutMs) > 0;

    /// <summary>Receives up to a batch without blocking; returns the count (0 if nothing waits).</summary>
    public int Receive(PacketBatch batch)
    {
        int n = batch.Receive(_fd);
        return n >= 0 ? n : throw new PodnetLinuxException("receive on", _label, null, -n);
    }

    /// <summary>Sends slots [0, n) of the batch; datagrams the kernel refuses are dropped.</summary>
    public int Send(PacketBatch batch, int n) => n == 0 ? 0 : Math.Max(0, batch.Send(_fd, n));

    public void Dispose() => _fd.Dispose();
}
