using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "send", SetLastError = true)]
    private static unsafe partial nint SendRaw(SafeFdHandle fd, byte* buf, nuint len, int flags);

    internal static unsafe int Send(SafeFdHandle fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data) return (int)SendRaw(fd, p, (nuint)data.Length, 0);
    }
}
