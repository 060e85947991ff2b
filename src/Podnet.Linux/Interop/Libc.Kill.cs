using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);
}
