using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

/// <summary>
/// Batched UDP I/O with recvmmsg/sendmmsg: one system call receives up to <see cref="Slots"/>
/// datagrams, another sends all queued replies. Buffers live in native memory owned by this
/// object and are exposed only as spans. One instance per thread; not thread-safe.
/// The socket must be in blocking mode (a receive timeout bounds each wait).
/// </summary>
public sealed unsafe class UdpBatch : IDisposable
{
    private const int AddrSize = 128; // sockaddr_storage
    private readonly int _recvSize, _sendSize;
    private Libc.MMsgHdr* _recv, _send;
    private Libc.IoVec* _recvIov, _sendIov;
    private byte* _addrs, _recvBufs, _sendBufs;
    private int _queued;

    public int Slots { get; }

    public UdpBatch(int slots, int receiveSize, int sendSize)
    {
        Slots = slots;
        _recvSize = receiveSize;
        _sendSize = sendSize;
        _recv = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(slots * sizeof(Libc.MMsgHdr)));
        _send = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)(slots * sizeof(Libc.MMsgHdr)));
        _recvIov = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)(slots * sizeof(Libc.IoVec)));
        _sendIov = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)(slots * sizeof(Libc.IoVec)));
        _addrs = (byte*)NativeMemory.AllocZeroed((nuint)(slots * AddrSize));
        _recvBufs = (byte*)NativeMemory.AllocZeroed((nuint)(slots * receiveSize));
        _sendBufs = (byte*)NativeMemory.AllocZeroed((nuint)(slots * sendSize));
        for (int i = 0; i < slots; i++)
        {
            _recvIov[i].Base = _recvBufs + i * receiveSize;
            _recv[i].Hdr.Iov = &_recvIov[i];
            _recv[i].Hdr.IovLen = 1;
            _recv[i].Hdr.Name = _addrs + i * AddrSize;
            _send[i].Hdr.IovLen = 1;
            _send[i].Hdr.Iov = &_sendIov[i];
        }
    }

    /// <summary>
    /// Waits for at least one datagram and takes up to <see cref="Slots"/> without waiting again.
    /// Returns how many were received, or a negative errno (EAGAIN when the receive timeout expired).
    /// </summary>
    public int Receive(SafeHandle socket)
    {
        ObjectDisposedException.ThrowIf(_recv is null, this);
        for (int i = 0; i < Slots; i++)
        {
            _recvIov[i].Len = (nuint)_recvSize;
            _recv[i].Hdr.NameLen = AddrSize;
            _recv[i].Hdr.Flags = 0;
            _recv[i].Len = 0;
        }
        int n = Libc.RecvMmsg(socket, _recv, (uint)Slots, Libc.MSG_WAITFORONE, null);
        return n >= 0 ? n : -Errno.Last();
    }

    /// <summary>The <paramref name="i"/>th received datagram (cut at the receive size when longer).</summary>
    public Span<byte> Packet(int i) => new(_recvBufs + i * _recvSize, (int)_recv[i].Len);

    /// <summary>The sender of datagram <paramref name="i"/> as a raw sockaddr.</summary>
    public ReadOnlySpan<byte> Address(int i) => new(_addrs + i * AddrSize, (int)_recv[i].Hdr.NameLen);

    /// <summary>Where to write the reply to datagram <paramref name="i"/>.</summary>
    public Span<byte> Reply(int i) => new(_sendBufs + i * _sendSize, _sendSize);

    /// <summary>Queues the reply to datagram <paramref name="i"/> (its first <paramref name="length"/> bytes), to its sender.</summary>
    public void Queue(int i, int length)
    {
        ref var m = ref _send[_queued++];
        m.Hdr.Name = _addrs + i * AddrSize;
        m.Hdr.NameLen = _recv[i].Hdr.NameLen;
        m.Hdr.Iov->Base = _sendBufs + i * _sendSize;
        m.Hdr.Iov->Len = (nuint)length;
    }

    /// <summary>Sends every queued reply; returns how many could not be sent (dropped, as UDP may).</summary>
    public int Flush(SafeHandle socket)
    {
        int sent = 0, failed = 0;
        while (sent < _queued)
        {
            int n = Libc.SendMmsg(socket, _send + sent, (uint)(_queued - sent), 0);
            if (n > 0) { sent += n; continue; }
            if (n < 0 && Errno.Last() == Errno.EINTR) continue;
            sent++; // this one failed (e.g. the client's port is gone): skip it and go on
            failed++;
        }
        _queued = 0;
        return failed;
    }

    public void Dispose()
    {
        if (_recv is null) return;
        NativeMemory.Free(_recv); NativeMemory.Free(_send);
        NativeMemory.Free(_recvIov); NativeMemory.Free(_sendIov);
        NativeMemory.Free(_addrs); NativeMemory.Free(_recvBufs); NativeMemory.Free(_sendBufs);
        _recv = null;
    }
}
