using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

/// <summary>
/// Native buffers for batched UDP I/O (recvmmsg/sendmmsg): <see cref="Count"/> slots of
/// <see cref="SlotSize"/> bytes, each with its iovec, sockaddr_in and mmsghdr, allocated once so the
/// datapath never allocates per packet. Slots are exposed only as spans and plain values.
/// A receive lands <see cref="Headroom"/> bytes into its slot, so the caller can put a header in
/// front of the datagram without copying it; a send starts anywhere in its slot.
/// Not thread-safe: one batch per thread.
/// </summary>
public sealed unsafe class PacketBatch : IDisposable
{
    // x86_64/aarch64 layouts: iovec 16, msghdr 56, mmsghdr 64, sockaddr_in 16.
    private const int IovSize = 16, MmsgSize = 64, AddrSize = 16, CtlSize = 32;
    private const int SOL_UDP = 17, UDP_GRO = 104;
    private byte* _buf, _iov, _msg, _addr, _ctl;

    public int Count { get; }
    public int SlotSize { get; }
    public int Headroom { get; }

    public PacketBatch(int count, int slotSize, int headroom = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(headroom);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(headroom, slotSize);
        Count = count;
        SlotSize = slotSize;
        Headroom = headroom;
        _buf = (byte*)NativeMemory.AlignedAlloc((nuint)(count * slotSize), 64);
        _iov = (byte*)NativeMemory.AllocZeroed((nuint)(count * IovSize));
        _msg = (byte*)NativeMemory.AllocZeroed((nuint)(count * MmsgSize));
        _addr = (byte*)NativeMemory.AllocZeroed((nuint)(count * AddrSize));
        _ctl = (byte*)NativeMemory.AllocZeroed((nuint)(count * CtlSize));
        for (int i = 0; i < count; i++)
        {
            byte* iov = _iov + i * IovSize, msg = _msg + i * MmsgSize;
            *(byte**)iov = _buf + i * slotSize;
            *(nuint*)(iov + 8) = (nuint)slotSize;
            *(byte**)msg = _addr + i * AddrSize;       // msg_name
            *(uint*)(msg + 8) = AddrSize;              // msg_namelen
            *(byte**)(msg + 16) = iov;                 // msg_iov
            *(nuint*)(msg + 24) = 1;                   // msg_iovlen
        }
    }

    /// <summary>The whole buffer of slot <paramref name="i"/>.</summary>
    public Span<byte> Slot(int i) => new(_buf + i * SlotSize, SlotSize);

    /// <summary>Bytes received into slot <paramref name="i"/> (at <see cref="Headroom"/>) by the last receive.</summary>
    public int Length(int i) => (int)*(uint*)(_msg + i * MmsgSize + 56);

    /// <summary>The segment size of a datagram the kernel coalesced (UDP_GRO control message) in slot
    /// <paramref name="i"/>, or 0 when it is a single datagram.</summary>
    public int GroSegmentSize(int i)
    {
        byte* m = _msg + i * MmsgSize;
        nuint len = *(nuint*)(m + 40);
        byte* c = _ctl + i * CtlSize;
        // struct cmsghdr { size_t len; int level; int type; } then the int payload.
        if (len < 20 || *(nuint*)c < 20 || *(int*)(c + 8) != SOL_UDP || *(int*)(c + 12) != UDP_GRO) return 0;
        return *(int*)(c + 16);
    }

    /// <summary>Peer IPv4 address (network order as a big-endian uint) of slot <paramref name="i"/>.</summary>
    public uint Address(int i) => BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(_addr + i * AddrSize + 4, 4));

    /// <summary>Sets slot <paramref name="i"/> up to send <paramref name="length"/> bytes to addr:port.</summary>
    public void SetSend(int i, int length, uint addr, ushort port) => SetSend(i, 0, length, addr, port);

    /// <summary>Sets slot <paramref name="i"/> up to send its bytes [offset, offset+length) to addr:port.</summary>
    public void SetSend(int i, int offset, int length, uint addr, ushort port)
    {
        if ((uint)offset > (uint)SlotSize || (uint)length > (uint)(SlotSize - offset)) throw new ArgumentOutOfRangeException(nameof(length));
        *(byte**)(_iov + i * IovSize) = _buf + i * SlotSize + offset;
        byte* a = _addr + i * AddrSize;
        *(ushort*)a = Libc.AF_INET;
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(a + 2, 2), port);
        BinaryPrimitives.WriteUInt32BigEndian(new Span<byte>(a + 4, 4), addr);
        *(nuint*)(_iov + i * IovSize + 8) = (nuint)length;
        *(uint*)(_msg + i * MmsgSize + 8) = AddrSize;
        *(byte**)(_msg + i * MmsgSize + 32) = null;  // msg_control
        *(nuint*)(_msg + i * MmsgSize + 40) = 0;     // msg_controllen
    }

    /// <summary>Restores slot lengths and name lengths before a receive.</summary>
    private void ResetForReceive(int n)
    {
        for (int i = 0; i < n; i++)
        {
            *(byte**)(_iov + i * IovSize) = _buf + i * SlotSize + Headroom;
            *(nuint*)(_iov + i * IovSize + 8) = (nuint)(SlotSize - Headroom);
            *(uint*)(_msg + i * MmsgSize + 8) = AddrSize;
            *(byte**)(_msg + i * MmsgSize + 32) = _ctl + i * CtlSize;
            *(nuint*)(_msg + i * MmsgSize + 40) = CtlSize;
        }
    }

    /// <summary>recvmmsg without blocking: number of datagrams (0 if none), or -errno.</summary>
    internal int Receive(SafeFdHandle fd)
    {
        ResetForReceive(Count);
        int n = Libc.RecvMmsg(fd, (Libc.MMsgHdr*)_msg, (uint)Count, Libc.MSG_DONTWAIT, null);
        if (n >= 0) return n;
        int e = Marshal.GetLastPInvokeError();
        return e is Libc.EAGAIN or Libc.EINTR ? 0 : -e;
    }

    /// <summary>sendmmsg of slots [0, n): number sent, or -errno.</summary>
    internal int Send(SafeFdHandle fd, int n)
    {
        int sent = 0;
        while (sent < n)
        {
            int r = Libc.SendMmsg(fd, (Libc.MMsgHdr*)(_msg + sent * MmsgSize), (uint)(n - sent), 0);
            if (r < 0)
            {
                int e = Marshal.GetLastPInvokeError();
                if (e == Libc.EINTR) continue;
                // A failing datagram (e.g. EHOSTUNREACH for a vanished peer) is dropped, the rest go on.
                if (sent + 1 < n) { sent++; continue; }
                return sent > 0 ? sent : -e;
            }
            sent += r;
        }
        return sent;
    }

    public void Dispose()
    {
        if (_buf is null) return;
        NativeMemory.AlignedFree(_buf);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_msg);
        NativeMemory.Free(_addr);
        NativeMemory.Free(_ctl);
        _buf = _iov = _msg = _addr = _ctl = null;
    }
}
