using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

internal static partial class Libc
{
    // No GC mode switch on these: the forked child must never touch runtime state (another thread may
    // have been mid-GC or holding a runtime lock at fork time, and does not exist in the child).
    [LibraryImport(Name, EntryPoint = "fork", SetLastError = true)]
    [SuppressGCTransition]
    private static partial int ForkRaw();

    [LibraryImport(Name, EntryPoint = "close")]
    [SuppressGCTransition]
    private static partial int CloseFd(int fd);

    [LibraryImport(Name, EntryPoint = "send")]
    [SuppressGCTransition]
    private static unsafe partial nint SendFd(int fd, byte* buf, nuint len, int flags);

    [LibraryImport(Name, EntryPoint = "_exit")]
    [SuppressGCTransition]
    private static partial void ExitNow(int status);

    /// <summary>
    /// Forks a child that closes stdin/stdout/stderr (so nobody waiting for EOF on them waits for it),
    /// sends <paramref name="request"/> on <paramref name="socket"/> and exits; nothing else runs in the
    /// child (only plain system calls: no allocation, no managed locks). Returns the child's pid or a
    /// negative errno. The child is never waited for: it is reparented to init when this process exits.
    /// Only for single-threaded callers (no other thread may be inside a GC or holding a lock the
    /// child would need).
    /// </summary>
    internal static unsafe int ForkAndSend(SafeHandle socket, ReadOnlySpan<byte> request)
    {
        bool added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            int fd = (int)socket.DangerousGetHandle();
            fixed (byte* p = request)
            {
                nuint len = (nuint)request.Length;
                int pid = ForkRaw();
                if (pid == 0)
                {
                    CloseFd(0); CloseFd(1); CloseFd(2);
                    SendFd(fd, p, len, 0);
                    ExitNow(0);
                }
                return pid > 0 ? pid : -Marshal.GetLastPInvokeError();
            }
        }
        finally { if (added) socket.DangerousRelease(); }
    }
}
