using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "setsockopt", SetLastError = true)]
    private static unsafe partial int SetSockOptRaw(SafeFdHandle fd, int level, int name, void* value, uint len);

    internal static unsafe int SetSockOpt(SafeFdHandle fd, int level, int name, int value) =>
        SetSockOptRaw(fd, level, name, &value, sizeof(int));
}
