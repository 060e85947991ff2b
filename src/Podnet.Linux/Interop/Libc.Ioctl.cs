using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

internal static partial class Libc
{
    internal const ulong NS_GET_NSTYPE = 0xb703;
    internal const ulong TUNSETIFF = 0x400454ca, SIOCGIFINDEX = 0x8933;
    /// <summary>struct ifreq: char ifr_name[IFNAMSIZ], then a union (flags, index, …); 40 bytes on 64-bit.</summary>
    internal const int IfReqSize = 40, IfNameSize = 16;

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    private static unsafe partial int IoctlRaw(SafeFdHandle fd, ulong request, void* arg);

    /// <summary>ioctl(2) without an argument (NS_GET_NSTYPE returns the type as the result).</summary>
    internal static unsafe int Ioctl(SafeFdHandle fd, ulong request) => IoctlRaw(fd, request, null);

    /// <summary>ioctl(2) with an integer passed by value, as the kernel reads it (TUNSETPERSIST, TUNSETOFFLOAD).</summary>
    internal static unsafe int IoctlInt(SafeFdHandle fd, ulong request, int value) => IoctlRaw(fd, request, (void*)(nint)value);

    /// <summary>ioctl(2) with an in/out buffer (e.g. struct ifreq).</summary>
    internal static unsafe int Ioctl(SafeFdHandle fd, ulong request, Span<byte> arg)
    {
        fixed (byte* p = arg) return IoctlRaw(fd, request, p);
    }

    /// <summary>The index of interface <paramref name="name"/> in the namespace of socket <paramref name="fd"/>
    /// (SIOCGIFINDEX: the kernel looks it up under RCU, not under rtnl_lock), or -errno.</summary>
    internal static int IfIndex(SafeFdHandle fd, string name)
    {
        if (System.Text.Encoding.UTF8.GetByteCount(name) >= IfNameSize) return -Errno.EINVAL;
        Span<byte> ifr = stackalloc byte[IfReqSize];
        ifr.Clear();
        System.Text.Encoding.UTF8.GetBytes(name, ifr);
        if (Ioctl(fd, SIOCGIFINDEX, ifr) != 0) return -Errno.Last();
        return System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(ifr[IfNameSize..]);
    }
}
