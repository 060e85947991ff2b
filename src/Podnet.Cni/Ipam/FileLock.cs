namespace Podnet.Cni.Ipam;

/// <summary>
/// An exclusive flock() on a lock file, the lock go-filemutex (and so host-local) takes.
/// .NET takes flock(LOCK_EX|LOCK_NB) when a file is opened with FileShare.None; we retry it briefly.
/// </summary>
public sealed class FileLock : IDisposable
{
    readonly string _path;

    public FileLock(string path)
    {
        _path = path;
        // Make sure the file exists (host-local creates it the same way, mode 0644).
        if (!File.Exists(path))
            try { using var _ = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None); }
            catch (IOException) when (File.Exists(path)) { }
    }

    public IDisposable Acquire()
    {
        var deadline = Environment.TickCount64 + 60_000;
        int spins = 0;
        while (true)
        {
            try { return new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.None, 1); }
            catch (IOException) when (Environment.TickCount64 < deadline)
            {
                if (++spins < 20) Thread.Yield(); else Thread.Sleep(1);
            }
        }
    }

    public void Dispose() { }
}
