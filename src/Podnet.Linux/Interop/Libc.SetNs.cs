using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

internal static partial class Libc
{
    /// <summary>setns(2): moves only the calling thread into the namespace.</summary>
    [LibraryImport(Name, EntryPoint = "setns", SetLastError = true)]
    internal static partial int SetNs(SafeFdHandle fd, int nsType);
}
