using Podnet.Linux.Interop;
using Podnet.Linux.Netns;

namespace Podnet.Linux.Tun;

/// <summary>
/// One queue of a TUN device (layer 3, no packet-info header): each <see cref="Read"/> returns one
/// IP packet routed to the device, each <see cref="Write"/> injects one IP packet as if received
/// on it. For the udp backend (flannel's <c>flannel0</c>-style device). The device lives in the
/// namespace it was opened in; the descriptor can be used from any thread. Configure address/up
/// with <see cref="Netlink.Rtnl"/>. With multi-queue, open the same name again for more queues.
/// </summary>
public sealed class TunDevice : IDisposable
{
    private readonly SafeFdHandle _fd;

    private TunDevice(SafeFdHandle fd, string name)
    {
        _fd = fd;
        Name = name;
    }

    /// <summary>The interface name.</summary>
    public string Name { get; }

    /// <summary>Opens (creating if needed) TUN <paramref name="name"/> inside <paramref name="ns"/>.
    /// The device disappears when its last queue is closed.</summary>
    public static TunDevice Open(NetNs ns, string name, bool multiQueue = false)
    {
        ArgumentNullException.ThrowIfNull(ns);
        if (Names.InterfaceNameProblem(name) is { } p)
            throw new PodnetLinuxException("create tun", "\"" + name + "\"", ns.Label, Errno.EINVAL, p);
        string label = ns.Label;
        string actual = name;
        var fd = ns.IsProcessNamespace
            ? TunOpen.Open(name, multiQueue, label, out actual)
            : ns.RunOnCallingThread(() => { var h = TunOpen.Open(name, multiQueue, label, out string a); actual = a; return h; });
        return new TunDevice(fd, actual);
    }

    /// <summary>Reads one packet into <paramref name="buffer"/> (size it to the MTU); waits at most
    /// <paramref name="timeoutMs"/> (-1 = forever). Returns its length, or 0 on timeout.</summary>
    public int Read(Span<byte> buffer, int timeoutMs = -1)
    {
        while (true)
        {
            int ready = Libc.PollIn(_fd, timeoutMs);
            if (ready == 0) return 0;
            if (ready < 0)
            {
                if (Errno.Last() == Errno.EINTR) continue;
                throw new PodnetLinuxException("poll tun", "\"" + Name + "\"", null, Errno.Last());
            }
            int n = Libc.Read(_fd, buffer);
            if (n >= 0) return n;
            int e = Errno.Last();
            if (e is Errno.EINTR or Errno.EAGAIN) continue;
            throw new PodnetLinuxException("read tun", "\"" + Name + "\"", null, e);
        }
    }

    /// <summary>Injects one IP packet.</summary>
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
