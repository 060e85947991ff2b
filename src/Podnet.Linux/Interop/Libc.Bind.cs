using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "bind", SetLastError = true)]
    private static unsafe partial int BindRaw(SafeFdHandle fd, byte* addr, uint len);

    internal static unsafe int Bind(SafeFdHandle fd, ReadOnlySpan<byte> sockaddr)
    {
        fixed (byte* p = sockaddr) return BindRaw(fd, p, (uint)sockaddr.Length);
    }
}
