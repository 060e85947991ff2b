using Podnet.Linux.Interop;

namespace Podnet.Linux;

/// <summary>
/// An exclusive flock(2) on a file, held until disposed. It is the lock other tools take on the
/// same file (the CNI reference plugins' host-local store uses flock too), so both exclude each other.
/// </summary>
public sealed class FileLock : IDisposable
{
    private readonly SafeFdHandle _fd;

    private FileLock(SafeFdHandle fd) => _fd = fd;

    /// <summary>Opens (creating with mode 0644) and locks <paramref name="path"/>, waiting for other holders.</summary>
    public static FileLock Acquire(string path) => TryAcquire(path, wait: true)!;

    /// <summary>Like <see cref="Acquire"/>; with <paramref name="wait"/> false returns null when another holder has it.</summary>
    public static FileLock? TryAcquire(string path, bool wait)
    {
        var fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CREAT, 0x1a4 /* 0644 */);
        if (fd.IsInvalid) throw new PodnetLinuxException("open lock file", "\"" + path + "\"", null, Errno.Last());
        while (Libc.Flock(fd, wait ? Libc.LOCK_EX : Libc.LOCK_EX | Libc.LOCK_NB) != 0)
        {
            int e = Errno.Last();
            if (e == Errno.EINTR) continue;
            fd.Dispose();
            if (e == Errno.EAGAIN && !wait) return null;
            throw new PodnetLinuxException("lock", "\"" + path + "\"", null, e);
        }
        return new FileLock(fd);
    }

    /// <summary>Closing the descriptor releases the lock.</summary>
    public void Dispose() => _fd.Dispose();
}
