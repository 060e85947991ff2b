using System.Text;

namespace Podnet.Linux.Interop;

/// <summary>Opens a TUN device through /dev/net/tun (TUNSETIFF with IFF_TUN | IFF_NO_PI).</summary>
internal static class TunOpen
{
    private const short IFF_TUN = 0x0001, IFF_MULTI_QUEUE = 0x0100, IFF_NO_PI = 0x1000;
    private const int IfReqSize = 40, IfNameSize = 16;

    /// <summary>Opens (creating if needed) TUN <paramref name="name"/> in the calling thread's netns.
    /// Returns the handle and the kernel's name for the device, or throws with errno.</summary>
    public static SafeFdHandle Open(string name, bool multiQueue, string? nsLabel, out string actualName)
    {
        var fd = Libc.Open("/dev/net/tun", Libc.O_RDWR);
        if (fd.IsInvalid) throw new PodnetLinuxException("open", "/dev/net/tun", nsLabel, Errno.Last());
        Span<byte> ifr = stackalloc byte[IfReqSize];
        ifr.Clear();
        Encoding.UTF8.GetBytes(name, ifr[..(IfNameSize - 1)]);
        short flags = (short)(IFF_TUN | IFF_NO_PI | (multiQueue ? IFF_MULTI_QUEUE : 0));
        System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(ifr[IfNameSize..], flags);
        if (Libc.Ioctl(fd, Libc.TUNSETIFF, ifr) != 0)
        {
            int e = Errno.Last();
            fd.Dispose();
            throw new PodnetLinuxException("create tun", "\"" + name + "\"", nsLabel, e);
        }
        int nul = ifr[..IfNameSize].IndexOf((byte)0);
        actualName = Encoding.UTF8.GetString(ifr[..(nul < 0 ? IfNameSize : nul)]);
        return fd;
    }
}
