using Podnet.Linux.Interop;

namespace Podnet.Linux;

/// <summary>Whether a directory's mtime tells every change apart.</summary>
public static class FileSystemTimes
{
    // statfs f_type of disk file systems with multigrain timestamps (Linux 6.13). tmpfs has them too, but
    // its unlink sets the directory's times from the removed file's (coarse) clock, which clears the
    // "queried" mark, so a later change in the same tick can repeat an earlier mtime: not listed.
    const long Ext4 = 0xEF53, Xfs = 0x58465342, Btrfs = 0x9123683E;

    /// <summary>
    /// True when a change made after the directory's mtime was read always gets a different mtime:
    /// Linux 6.13+ multigrain timestamps (once a timestamp was queried, the next change takes a fine-grained
    /// one) on a file system that uses them. Before that, changes within one clock tick (1-10 ms) share an mtime.
    /// </summary>
    public static bool MtimeSeesEveryChange(string dir)
    {
        var v = Environment.OSVersion.Version;
        if (v.Major < 6 || (v.Major == 6 && v.Minor < 13)) return false;
        return Libc.FileSystemType(dir) is Ext4 or Xfs or Btrfs;
    }
}
