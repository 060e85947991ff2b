using System.Text;
using Podnet.Linux.Interop;

namespace Podnet.Linux.Datapath;

/// <summary>
/// A layer-3 TUN device (IFF_TUN | IFF_NO_PI) opened non-blocking, for batched reads (unlike
/// <see cref="Tun.TunDevice"/>, which blocks per packet), in the calling thread's network
/// namespace. With <c>persist</c> the interface outlives this descriptor, so an agent restart
/// re-attaches to it and its routes and address stay in place.
/// </summary>
public sealed class PersistentTun : IDisposable
{
    private const short IFF_TUN = 0x0001, IFF_NO_PI = 0x1000;
    private const ulong TUNSETPERSIST = 0x400454cb;
    private const int O_NONBLOCK = 0x800;
    private readonly SafeFdHandle _fd;

    public string Name { get; }

    private PersistentTun(SafeFdHandle fd, string name) { _fd = fd; Name = name; }

    /// <summary>Creates or attaches to TUN <paramref name="name"/> in the calling thread's namespace.</summary>
    public static PersistentTun Open(string name, bool persist)
    {
        if (Names.InterfaceNameProblem(name) is { } p) throw new PodnetLinuxException("open tun", $"\"{name}\"", null, Errno.EINVAL, p);
        var fd = Libc.Open("/dev/net/tun", Libc.O_RDWR | O_NONBLOCK);
        if (fd.IsInvalid) throw new PodnetLinuxException("open", "/dev/net/tun", null, Errno.Last());
        Span<byte> ifr = stackalloc byte[40];
        ifr.Clear();
        Encoding.ASCII.GetBytes(name, ifr);
        BitConverter.TryWriteBytes(ifr[16..], (short)(IFF_TUN | IFF_NO_PI));
        if (Libc.Ioctl(fd, Libc.TUNSETIFF, ifr) != 0)
        {
            int e = Errno.Last();
            fd.Dispose();
            throw new PodnetLinuxException("create tun", $"\"{name}\"", null, e);
        }
        if (persist && Libc.IoctlInt(fd, TUNSETPERSIST, 1) != 0)
        {
            int e = Errno.Last();
            fd.Dispose();
            throw new PodnetLinuxException("persist tun", $"\"{name}\"", null, e);
        }
        return new PersistentTun(fd, name);
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for a packet; false on timeout.</summary>
    public bool WaitReadable(int timeoutMs) => Libc.PollIn(_fd, timeoutMs) > 0;

    /// <summary>Reads one packet; 0 when none is waiting.</summary>
    public int Read(Span<byte> packet)
    {
        int n = Libc.Read(_fd, packet);
        if (n >= 0) return n;
        int e = Errno.Last();
        if (e is Libc.EAGAIN or Libc.EINTR) return 0;
        throw new PodnetLinuxException("read", $"tun \"{Name}\"", null, e);
    }

    /// <summary>Writes one packet into the kernel; false if it was dropped (e.g. queue full).</summary>
    public bool Write(ReadOnlySpan<byte> packet) => Libc.Write(_fd, packet) == packet.Length;

    public void Dispose() => _fd.Dispose();
}
