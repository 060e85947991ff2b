using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

internal static partial class Libc
{
    internal const ulong NS_GET_NSTYPE = 0xb703;
    internal const ulong TUNSETIFF = 0x400454ca;

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
}
