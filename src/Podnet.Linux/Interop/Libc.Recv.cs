using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "recv", SetLastError = true)]
    private static unsafe partial nint RecvRaw(SafeFdHandle fd, byte* buf, nuint len, int flags);

    internal static unsafe int Recv(SafeFdHandle fd, Span<byte> buffer, int flags)
    {
        fixed (byte* p = buffer) return (int)RecvRaw(fd, p, (nuint)buffer.Length, flags);
    }
}
