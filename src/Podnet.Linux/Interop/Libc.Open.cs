using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenRaw(string path, int flags, int mode);

    /// <summary>open(2); returns an invalid handle and sets the last P/Invoke error on failure.</summary>
    internal static SafeFdHandle Open(string path, int flags, int mode = 0)
    {
        int fd = OpenRaw(path, flags | O_CLOEXEC, mode);
        return new SafeFdHandle(fd);
    }
}
