using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

internal static partial class Libc
{
    internal const int LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;

    [LibraryImport(Name, EntryPoint = "flock", SetLastError = true)]
    internal static partial int Flock(SafeFdHandle fd, int operation);
}
