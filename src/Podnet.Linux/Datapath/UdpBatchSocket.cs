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

    /// <summary>
    /// UDP_SEGMENT: every send longer than <paramref name="segmentSize"/> leaves as datagrams of
    /// that size (one GSO send, segmented by the NIC or late in the stack); UDP_GRO: consecutive
    /// datagrams of a flow may arrive coalesced, with the segment size in a control message
    /// (<see cref="PacketBatch.GroSegmentSize"/>). Returns 0 or the errno of the option refused.
    /// </summary>
    public int EnableSegmentation(int segmentSize)
    {
        const int SOL_UDP = 17, UDP_SEGMENT = 103, UDP_GRO = 104;
        if (Libc.SetSockOpt(_fd, SOL_UDP, UDP_SEGMENT, segmentSize) != 0) return Errno.Last();
        if (Libc.SetSockOpt(_fd, SOL_UDP, UDP_GRO, 1) != 0)
        {
            int e = Errno.Last();
            Libc.SetSockOpt(_fd, SOL_UDP, UDP_SEGMENT, 0);
            return e;
        }
        return 0;
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
