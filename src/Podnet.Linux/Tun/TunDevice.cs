using Podnet.Linux.Interop;
using Podnet.Linux.Netns;

namespace Podnet.Linux.Tun;

/// <summary>
/// One queue of a layer-3 TUN device (no packet-info header), non-blocking: each read returns one IP
/// packet routed to the device, each write injects one as if received on it. For the udp backend
/// (flannel's <c>flannel0</c>-style device). With <c>persist</c> the interface outlives the
/// descriptor (an agent restart re-attaches, routes and address stay); with <c>multiQueue</c> open
/// the same name again for more queues; with <c>offload</c> every packet carries a
/// <see cref="Datapath.VnetHdr"/> and the kernel hands out checksum-partial and TSO/USO super-packets
/// (up to 64 KiB), so one read moves what would otherwise be dozens of MTU-sized packets.
/// Configure address/up/MTU with <see cref="Netlink.Rtnl"/>. The descriptor is usable from any thread.
/// </summary>
public sealed class TunDevice : IDisposable
{
    /// <summary>TUN_F_* offload bits (linux/if_tun.h).</summary>
    public const uint OffloadCsum = 0x01, OffloadTso4 = 0x02, OffloadTso6 = 0x04, OffloadUso4 = 0x20, OffloadUso6 = 0x40;

    private readonly SafeFdHandle _fd;

    private TunDevice(SafeFdHandle fd, string name, uint offloads, bool vnetHdr)
    {
        _fd = fd;
        Name = name;
        Offloads = offloads;
        HasVnetHdr = vnetHdr;
    }

    /// <summary>The interface name.</summary>
    public string Name { get; }

    /// <summary>The TUN_F_* offloads the kernel accepted (0 without <c>offload</c>).</summary>
    public uint Offloads { get; }

    /// <summary>True when every read and write starts with a virtio-net header.</summary>
    public bool HasVnetHdr { get; }

    /// <summary>Opens (creating if needed) TUN <paramref name="name"/> inside <paramref name="ns"/>.
    /// Without <paramref name="persist"/> the device disappears when its last queue is closed.
    /// With <paramref name="offload"/>: checksum offload and TSO4/6, plus USO4/6 where the kernel has it.</summary>
    public static TunDevice Open(NetNs ns, string name, bool multiQueue = false, bool persist = false, bool offload = false)
    {
        ArgumentNullException.ThrowIfNull(ns);
        if (Names.InterfaceNameProblem(name) is { } p)
            throw new PodnetLinuxException("create tun", "\"" + name + "\"", ns.Label, Errno.EINVAL, p);
        string label = ns.Label;
        return ns.IsProcessNamespace ? OpenHere(name, multiQueue, persist, offload, label)
            : ns.RunOnCallingThread(() => OpenHere(name, multiQueue, persist, offload, label));
    }

    private static TunDevice OpenHere(string name, bool multiQueue, bool persist, bool offload, string label)
    {
        var fd = TunOpen.Open(name, multiQueue, offload, persist, label, out string actual);
        uint granted = 0;
        if (offload)
        {
            // USO needs kernel 6.2; older kernels refuse unknown bits with EINVAL, so ask again without it.
            foreach (uint want in new[] { OffloadCsum | OffloadTso4 | OffloadTso6 | OffloadUso4 | OffloadUso6, OffloadCsum | OffloadTso4 | OffloadTso6, OffloadCsum })
            {
                int e = TunOpen.SetOffload(fd, want);
                if (e == 0) { granted = want; break; }
                if (e != Errno.EINVAL)
                {
                    fd.Dispose();
                    throw new PodnetLinuxException("set offloads on tun", "\"" + actual + "\"", label, e);
                }
            }
        }
        return new TunDevice(fd, actual, granted, offload);
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> (-1 = forever) for a packet; false on timeout.</summary>
    public bool WaitReadable(int timeoutMs)
    {
        while (true)
        {
            int ready = Libc.PollIn(_fd, timeoutMs);
            if (ready >= 0) return ready > 0;
            if (Errno.Last() != Errno.EINTR) throw new PodnetLinuxException("poll tun", "\"" + Name + "\"", null, Errno.Last());
        }
    }

    /// <summary>Reads one packet if one is waiting; returns its length (with the virtio-net header
    /// when <see cref="HasVnetHdr"/>), or 0 when none is. Size the buffer for the largest packet.</summary>
    public int TryRead(Span<byte> buffer)
    {
        while (true)
        {
            int n = Libc.Read(_fd, buffer);
            if (n >= 0) return n;
            int e = Errno.Last();
            if (e == Errno.EAGAIN) return 0;
            if (e != Errno.EINTR) throw new PodnetLinuxException("read tun", "\"" + Name + "\"", null, e);
        }
    }

    /// <summary>Reads one packet, waiting at most <paramref name="timeoutMs"/> (-1 = forever).
    /// Returns its length, or 0 on timeout.</summary>
    public int Read(Span<byte> buffer, int timeoutMs = -1)
    {
        while (true)
        {
            if (!WaitReadable(timeoutMs)) return 0;
            int n = TryRead(buffer);
            if (n > 0) return n;
        }
    }

    /// <summary>Injects one packet (with its virtio-net header when <see cref="HasVnetHdr"/>); false if
    /// the kernel refused it (malformed, or no memory).</summary>
    public bool TryWrite(ReadOnlySpan<byte> packet)
    {
        while (true)
        {
            if (Libc.Write(_fd, packet) >= 0) return true;
            if (Errno.Last() != Errno.EINTR) return false;
        }
    }

    /// <summary>Injects one packet; throws with the errno when the kernel refuses it.</summary>
    public void Write(ReadOnlySpan<byte> packet)
    {
        while (Libc.Write(_fd, packet) < 0)
        {
            int e = Errno.Last();
            if (e != Errno.EINTR) throw new PodnetLinuxException("write tun", "\"" + Name + "\"", null, e);
        }
    }

    public void Dispose() => _fd.Dispose();
}
