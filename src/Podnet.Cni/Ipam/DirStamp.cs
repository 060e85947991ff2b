namespace Podnet.Cni.Ipam;

/// <summary>
/// Lets ADD and DEL skip reading every reservation file. The stamp (".podnet-stamp", a regular file whose
/// content matches no container ID, so host-local's walk passes over it) records the data directory's
/// mtime at a moment when podnet-ipam knew that every reservation in it had an owner hint. Every
/// reservation, by host-local or by us, creates a directory entry and so changes the mtime; all of them
/// happen under the directory lock, as does the check. So while the mtime is the stamped one, no
/// reservation without a hint can have appeared (releases only make hints stale, and hints are verified
/// against the files they name). After a foreign reservation (or a crash between a reservation and its
/// hint) the mtime differs and the store scans, as before.
/// Only used where a change after a read of the mtime always gets a new mtime
/// (<see cref="Podnet.Linux.FileSystemTimes.MtimeSeesEveryChange"/>); elsewhere two changes within one
/// clock tick could share an mtime, and the store always scans.
/// </summary>
sealed class DirStamp(string dir)
{
    public const string FileName = ".podnet-stamp";
    const string Prefix = "podnet-ipam directory mtime ";
    readonly string _path = Path.Combine(dir, FileName);
    readonly bool _usable = Podnet.Linux.FileSystemTimes.MtimeSeesEveryChange(dir);

    /// <summary>Caller holds the lock: true when nobody changed the directory since the last <see cref="Renew"/>.</summary>
    public bool IsCurrent()
    {
        if (!_usable) return false;
        try
        {
            var text = File.ReadAllText(_path);
            return text.StartsWith(Prefix, StringComparison.Ordinal) && long.TryParse(text.AsSpan(Prefix.Length), out long ticks)
                && ticks == Directory.GetLastWriteTimeUtc(dir).Ticks;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>Caller holds the lock, made its last change and knows every reservation has its hint.</summary>
    public void Renew()
    {
        if (!_usable) return;
        try
        {
            // Create the file first (its creation is itself a directory change), then read the mtime,
            // then write it: rewriting an existing file's content does not touch the directory.
            if (!File.Exists(_path)) File.WriteAllText(_path, "");
            DiskStore.WriteInPlace(_path, Prefix + Directory.GetLastWriteTimeUtc(dir).Ticks.ToString("D20"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(_path); } catch (IOException) { }
        }
    }
}
