using System.Text;

namespace Podnet.Linux.Interop;

/// <summary>Opens a TUN device through /dev/net/tun (TUNSETIFF with IFF_TUN | IFF_NO_PI), optionally
/// persistent, multi-queue and with virtio-net headers plus offloads (TUNSETOFFLOAD).</summary>
internal static class TunOpen
{
    private const short IFF_TUN = 0x0001, IFF_MULTI_QUEUE = 0x0100, IFF_NO_PI = 0x1000, IFF_VNET_HDR = 0x4000;
    private const int O_NONBLOCK = 0x800;
    private const ulong TUNSETPERSIST = 0x400454cb, TUNSETOFFLOAD = 0x400454d0;

    /// <summary>Opens (creating if needed) TUN <paramref name="name"/> in the calling thread's netns,
    /// non-blocking. Returns the handle and the kernel's name for the device, or throws with errno.</summary>
    public static SafeFdHandle Open(string name, bool multiQueue, bool vnetHdr, bool persist, string? nsLabel, out string actualName)
    {
        var fd = Libc.Open("/dev/net/tun", Libc.O_RDWR | O_NONBLOCK);
        if (fd.IsInvalid) throw new PodnetLinuxException("open", "/dev/net/tun", nsLabel, Errno.Last());
        Span<byte> ifr = stackalloc byte[Libc.IfReqSize];
        ifr.Clear();
        Encoding.UTF8.GetBytes(name, ifr[..(Libc.IfNameSize - 1)]);
        short flags = (short)(IFF_TUN | IFF_NO_PI | (multiQueue ? IFF_MULTI_QUEUE : 0) | (vnetHdr ? IFF_VNET_HDR : 0));
        System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(ifr[Libc.IfNameSize..], flags);
        if (Libc.Ioctl(fd, Libc.TUNSETIFF, ifr) != 0) Fail(fd, "create tun", name, nsLabel);
        if (persist && Libc.IoctlInt(fd, TUNSETPERSIST, 1) != 0) Fail(fd, "persist tun", name, nsLabel);
        int nul = ifr[..Libc.IfNameSize].IndexOf((byte)0);
        actualName = Encoding.UTF8.GetString(ifr[..(nul < 0 ? Libc.IfNameSize : nul)]);
        return fd;
    }

    /// <summary>TUNSETOFFLOAD: which offloaded packets (TUN_F_* bits) the kernel may hand to us. Returns 0 or an errno
    /// (EINVAL when this kernel does not know a bit).</summary>
    public static int SetOffload(SafeFdHandle fd, uint flags) => Libc.IoctlInt(fd, TUNSETOFFLOAD, (int)flags) == 0 ? 0 : Errno.Last();

    private static void Fail(SafeFdHandle fd, string op, string name, string? nsLabel)
    {
        int e = Errno.Last();
        fd.Dispose();
        throw new PodnetLinuxException(op, "\"" + name + "\"", nsLabel, e);
    }
}
