using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "socket", SetLastError = true)]
    private static partial int SocketRaw(int domain, int type, int protocol);

    internal static SafeFdHandle Socket(int domain, int type, int protocol) =>
        new(SocketRaw(domain, type | SOCK_CLOEXEC, protocol));
}
