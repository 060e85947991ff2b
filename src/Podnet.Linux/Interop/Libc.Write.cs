using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteRaw(SafeFdHandle fd, byte* buf, nuint count);

    internal static unsafe int Write(SafeFdHandle fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data) return (int)WriteRaw(fd, p, (nuint)data.Length);
    }
}
