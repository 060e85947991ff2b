using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int StatfsRaw(string path, byte* buf);

    /// <summary>f_type of the file system holding <paramref name="path"/>, or -1 (errno set).</summary>
    internal static unsafe long FileSystemType(string path)
    {
        // struct statfs is 120 bytes on 64-bit Linux; f_type is its first member (a long).
        byte* buf = stackalloc byte[256];
        return StatfsRaw(path, buf) == 0 ? *(long*)buf : -1;
    }
}
