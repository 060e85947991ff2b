using Podnet.Linux.Interop;

namespace Podnet.Linux;

/// <summary>
/// An exclusive flock(2) on a file, held until disposed. It is the same lock other tools take on the
/// file (e.g. go-filemutex in the CNI reference plugins), so both sides exclude each other.
/// </summary>
public sealed class FileLock : IDisposable
{
    readonly SafeFdHandle _fd;

    FileLock(SafeFdHandle fd) => _fd = fd;

    /// <summary>Opens (creating, mode 0644) and locks <paramref name="path"/>, waiting for other holders.</summary>
    public static FileLock Acquire(string path)
    {
        var fd = Libc.Open(path, Libc.O_RDONLY | Libc.O_CREAT, 0b110_100_100);
        if (fd.IsInvalid)
            throw new PodnetLinuxException("open lock file", "\"" + path + "\"", null, Errno.Last());
        while (Libc.Flock(fd, Libc.LOCK_EX) != 0)
        {
            int e = Errno.Last();
            if (e == Errno.EINTR) continue;
            fd.Dispose();
            throw new PodnetLinuxException("lock", "\"" + path + "\"", null, e);
        }
        return new FileLock(fd);
    }

    /// <summary>Closing the descriptor releases the lock.</summary>
    public void Dispose() => _fd.Dispose();
}
