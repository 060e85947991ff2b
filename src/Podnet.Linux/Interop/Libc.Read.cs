using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "read", SetLastError = true)]
    private static unsafe partial nint ReadRaw(SafeFdHandle fd, byte* buf, nuint count);

    internal static unsafe int Read(SafeFdHandle fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer) return (int)ReadRaw(fd, p, (nuint)buffer.Length);
    }
}
