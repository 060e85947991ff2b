using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

/// <summary>
/// Native buffers for batched UDP I/O (recvmmsg/sendmmsg): <see cref="Count"/> slots of
/// <see cref="SlotSize"/> bytes, each with its iovec, sockaddr_in, control buffer and mmsghdr,
/// allocated once so the datapath never allocates per packet. Slots are exposed only as spans and
/// plain values. A receive lands <see cref="Headroom"/> bytes into its slot, so the caller can put
/// a header in front of the datagram without copying it; a send starts anywhere in its slot.
/// Not thread-safe: one batch per thread.
/// </summary>
public sealed unsafe class PacketBatch : IDisposable
{
    private const int SOL_UDP = 17, UDP_GRO = 104;
    private byte* _buf;
    private Libc.IoVec* _iov;
    private Libc.MMsgHdr* _msg;
    private Libc.SockAddrIn* _addr;
    private Libc.CMsgInt* _ctl;
    private int _dirty; // slots [0, _dirty) may differ from the receive set-up (filled by a receive or set for a send)

    public int Count { get; }
    public int SlotSize { get; }
    public int Headroom { get; }

    public PacketBatch(int count, int slotSize, int headroom = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegative(headroom);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(headroom, slotSize);
        Count = count;
        SlotSize = slotSize;
        Headroom = headroom;
        _buf = (byte*)NativeMemory.AlignedAlloc((nuint)count * (nuint)slotSize, 64);
        _iov = (Libc.IoVec*)NativeMemory.AllocZeroed((nuint)count, (nuint)sizeof(Libc.IoVec));
        _msg = (Libc.MMsgHdr*)NativeMemory.AllocZeroed((nuint)count, (nuint)sizeof(Libc.MMsgHdr));
        _addr = (Libc.SockAddrIn*)NativeMemory.AllocZeroed((nuint)count, (nuint)sizeof(Libc.SockAddrIn));
        _ctl = (Libc.CMsgInt*)NativeMemory.AllocZeroed((nuint)count, (nuint)sizeof(Libc.CMsgInt));
        for (int i = 0; i < count; i++)
        {
            _msg[i].Hdr.Name = &_addr[i];
            _msg[i].Hdr.Iov = &_iov[i];
            _msg[i].Hdr.IovLen = 1;
            ResetForReceive(i);
        }
    }

    /// <summary>The whole buffer of slot <paramref name="i"/>.</summary>
    public Span<byte> Slot(int i) => new(Base(i), SlotSize);

    /// <summary>Bytes received into slot <paramref name="i"/> (at <see cref="Headroom"/>) by the last receive.</summary>
    public int Length(int i) => (int)_msg[Check(i)].Len;

    /// <summary>The segment size of a datagram the kernel coalesced (UDP_GRO control message) in slot
    /// <paramref name="i"/>, or 0 when it is a single datagram.</summary>
    public int GroSegmentSize(int i)
    {
        ref readonly var c = ref _ctl[Check(i)];
        bool present = _msg[i].Hdr.ControlLen >= (nuint)(sizeof(nuint) + 12) && c.Len >= (nuint)(sizeof(nuint) + 12);
        return present && c.Level == SOL_UDP && c.Type == UDP_GRO ? c.Value : 0;
    }

    /// <summary>Peer IPv4 address of slot <paramref name="i"/> as a host-order uint (a.b.c.d = a&lt;&lt;24 | …).</summary>
    public uint Address(int i) => FromNetwork(_addr[Check(i)].AddrBe);

    /// <summary>Sets slot <paramref name="i"/> up to send its bytes [offset, offset+length) to addr:port.</summary>
    public void SetSend(int i, int offset, int length, uint addr, ushort port)
    {
        Check(i);
        if ((uint)offset > (uint)SlotSize || (uint)length > (uint)(SlotSize - offset))
            throw new ArgumentOutOfRangeException(nameof(length), $"[{offset}, {offset}+{length}) does not fit a slot of {SlotSize} bytes");
        _iov[i].Base = Base(i) + offset;
        _iov[i].Len = (nuint)length;
        _addr[i] = new Libc.SockAddrIn { Family = (ushort)Libc.AF_INET, PortBe = FromNetwork(port), AddrBe = FromNetwork(addr) };
        ref var h = ref _msg[i].Hdr;
        h.NameLen = (uint)sizeof(Libc.SockAddrIn);
        h.Control = null;
        h.ControlLen = 0;
        if (i >= _dirty) _dirty = i + 1;
    }

    /// <summary>recvmmsg without blocking: number of datagrams (0 if none), or -errno.</summary>
    internal int Receive(SafeFdHandle fd)
    {
        for (int i = 0; i < _dirty; i++) ResetForReceive(i); // only the slots the last use touched
        _dirty = 0;
        int n = Libc.RecvMmsg(fd, _msg, (uint)Count, Libc.MSG_DONTWAIT, null);
        if (n >= 0) { _dirty = n; return n; }
        int e = Errno.Last();
        return e is Errno.EAGAIN or Errno.EINTR ? 0 : -e;
    }

    /// <summary>sendmmsg of slots [0, n): number sent, or -errno.</summary>
    internal int Send(SafeFdHandle fd, int n)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, Count);
        int sent = 0;
        while (sent < n)
        {
            int r = Libc.SendMmsg(fd, _msg + sent, (uint)(n - sent), 0);
            if (r < 0)
            {
                int e = Errno.Last();
                if (e == Errno.EINTR) continue;
                // A failing datagram (e.g. EHOSTUNREACH for a vanished peer) is dropped, the rest go on.
                if (sent + 1 < n) { sent++; continue; }
                return sent > 0 ? sent : -e;
            }
            sent += r;
        }
        return sent;
    }

    private void ResetForReceive(int i)
    {
        _iov[i].Base = Base(i) + Headroom;
        _iov[i].Len = (nuint)(SlotSize - Headroom);
        ref var h = ref _msg[i].Hdr;
        h.NameLen = (uint)sizeof(Libc.SockAddrIn);
        h.Control = &_ctl[i];
        h.ControlLen = (nuint)sizeof(Libc.CMsgInt);
        h.Flags = 0;
    }

    private byte* Base(int i) => _buf + (nint)Check(i) * SlotSize;

    private int Check(int i)
    {
        ObjectDisposedException.ThrowIf(_buf is null, this);
        return (uint)i < (uint)Count ? i : throw new ArgumentOutOfRangeException(nameof(i), $"slot {i} of a batch of {Count}");
    }

    private static uint FromNetwork(uint v) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;
    private static ushort FromNetwork(ushort v) => BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;

    public void Dispose()
    {
        if (_buf is null) return;
        NativeMemory.AlignedFree(_buf);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_msg);
        NativeMemory.Free(_addr);
        NativeMemory.Free(_ctl);
        _buf = null;
        _iov = null;
        _msg = null;
        _addr = null;
        _ctl = null;
    }
}
