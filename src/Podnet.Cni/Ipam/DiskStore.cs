using System.Net;
using System.Text;

namespace Podnet.Cni.Ipam;

/// <summary>
/// host-local's on-disk layout, byte for byte: &lt;dataDir&gt;/&lt;network&gt;/&lt;ip&gt; holds "containerID\r\nifname",
/// last_reserved_ip.&lt;rangeSetIndex&gt; holds the last address handed out, and the file "lock" is
/// flock()ed exclusively around every change (the same lock the reference plugin takes).
/// Finding an attachment's addresses needs a read of every reservation file; to spare DEL that scan,
/// podnet also keeps one symlink per attachment, ".podnet-owner-&lt;hash&gt;" pointing at
/// "podnet-ipam:&lt;ip&gt;[,&lt;ip&gt;]" (a target that does not exist, so host-local, which reads every entry,
/// skips it). It is only a hint: every address it names is checked against its file, a missing or stale
/// hint falls back to the scan, and reservations made by host-local itself have none. A missing hint
/// means "no reservation" without a scan only while the directory stamp (<see cref="DirStamp"/>) says
/// that nobody but podnet-ipam changed the directory since every reservation was known to have a hint.
/// </summary>
public sealed class DiskStore : IIpamStore
{
    const string LastIpPrefix = "last_reserved_ip.";
    const string IndexPrefix = ".podnet-owner-", IndexTarget = "podnet-ipam:";
    const string LineBreak = "\r\n";
    readonly string _dir;
    readonly string _lockPath;
    readonly DirStamp _stamp;
    // While the lock is held: the stamp was current when it was taken (hints are complete), whether the
    // hints are known complete now (stamp, or a scan that found a hint for every reservation), and
    // whether writing one of our own hints failed since.
    bool _locked, _stampCurrent, _hintsComplete, _hintFailed;

    public DiskStore(string dir)
    {
        _dir = dir;
        try
        {
            Directory.CreateDirectory(dir);
            _lockPath = Path.Combine(dir, "lock");
            _stamp = new DirStamp(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Spec.CniException(Spec.CniErrorCode.IoFailure, $"could not open IPAM data directory {dir}", e.Message, e);
        }
    }

    public IDisposable Lock()
    {
        Podnet.Linux.FileLock held;
        try { held = Podnet.Linux.FileLock.Acquire(_lockPath); }
        catch (Podnet.Linux.PodnetLinuxException e)
        {
            throw new Spec.CniException(Spec.CniErrorCode.IoFailure, $"could not lock IPAM data directory {_dir}", e.Message, e);
        }
        _locked = true;
        _stampCurrent = _hintsComplete = _stamp.IsCurrent();
        _hintFailed = false;
        return new Held(this, held);
    }

    sealed class Held(DiskStore store, IDisposable fileLock) : IDisposable
    {
        public void Dispose()
        {
            store._locked = store._stampCurrent = store._hintsComplete = false;
            fileLock.Dispose();
        }
    }

    /// <summary>Under the lock, after the last change: stamps the directory when every reservation has its hint.</summary>
    public void Commit()
    {
        if (_locked && _hintsComplete && !_hintFailed) _stamp.Renew();
    }

    public bool Reserve(string id, string ifname, IPAddress ip, int rangeSetIndex)
    {
        string path = Path.Combine(_dir, ip.ToString());
        FileStream f;
        try { f = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None); }
        catch (IOException) when (File.Exists(path)) { return false; }
        try
        {
            using (f) f.Write(Encoding.UTF8.GetBytes(id.Trim() + LineBreak + ifname));
        }
        catch
        {
            File.Delete(path);
            throw;
        }
        WriteInPlace(Path.Combine(_dir, LastIpPrefix + rangeSetIndex), ip.ToString());
        var hinted = ReadIndex(id, ifname);
        if (!WriteIndex(id, ifname, [.. hinted ?? [], ip], replace: hinted is not null)) _hintFailed = true;
        return true;
    }

    /// <summary>
    /// Replaces a small file's content without truncating it to zero first: on ext4 a file truncated to
    /// zero and rewritten is flushed to disk at close (auto_da_alloc), which cost ADD milliseconds under
    /// load. Readers hold the lock, so they never see the file between write and resize.
    /// </summary>
    internal static void WriteInPlace(string path, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        using var h = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite);
        RandomAccess.Write(h, bytes, 0);
        if (RandomAccess.GetLength(h) != bytes.Length) RandomAccess.SetLength(h, bytes.Length);
    }

    string IndexPath(string id, string ifname)
    {
        // FNV-1a 64 of the owner as the file records it; a collision only costs a fallback scan.
        ulong h = 14695981039346656037UL;
        foreach (char c in id.Trim() + LineBreak + ifname) { h ^= c; h *= 1099511628211UL; }
        return Path.Combine(_dir, IndexPrefix + h.ToString("x16"));
    }

    /// <summary>The addresses the hint names for (id, ifname), unverified; null without a hint.</summary>
    List<IPAddress>? ReadIndex(string id, string ifname)
    {
        string? target;
        try { target = new FileInfo(IndexPath(id, ifname)).LinkTarget; }
        catch (IOException) { return null; }
        if (target is null || !target.StartsWith(IndexTarget, StringComparison.Ordinal)) return null;
        var ips = new List<IPAddress>();
        foreach (var part in target[IndexTarget.Length..].Split(',', StringSplitOptions.RemoveEmptyEntries))
            if (Spec.IpMath.TryParseStrict(part, out var ip)) ips.Add(ip);
        return ips;
    }

    bool WriteIndex(string id, string ifname, IReadOnlyList<IPAddress> ips, bool replace)
    {
        // A first hint is created in place; a changed one is a new link renamed over the old one, so
        // readers see the old hint or the new one, never none.
        string path = IndexPath(id, ifname), tmp = path + ".tmp", target = IndexTarget + string.Join(",", ips.Distinct());
        try
        {
            if (!replace)
                try
                {
                    File.CreateSymbolicLink(path, target);
                    return true;
                }
                catch (IOException) when (File.Exists(path) || new FileInfo(path).LinkTarget is not null) { }
            File.Delete(tmp);
            File.CreateSymbolicLink(tmp, target);
            File.Move(tmp, path, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The hint is an optimisation: without it DEL scans.
            try { File.Delete(path); } catch (IOException) { }
            return false;
        }
    }

    /// <summary>Removes hints none of whose addresses is still held by the attachment the hint is for
    /// (host-local released them, or the hint is left from a crash).</summary>
    public void PruneForgotten()
    {
        List<string> hints;
        try { hints = Directory.EnumerateFiles(_dir, IndexPrefix + "*").ToList(); }
        catch (DirectoryNotFoundException) { return; }
        foreach (var path in hints)
        {
            string? target = new FileInfo(path).LinkTarget;
            bool live = target is not null && target.StartsWith(IndexTarget, StringComparison.Ordinal)
                && target[IndexTarget.Length..].Split(',').Any(s => Spec.IpMath.TryParseStrict(s, out var ip)
                    && ReadOwner(Path.Combine(_dir, ip.ToString()), ip) is { } r && IndexPath(r.ContainerId, r.IfName) == path);
            if (!live) try { File.Delete(path); } catch (IOException) { }
        }
    }

    public void Forget(string id, string ifname)
    {
        try { File.Delete(IndexPath(id, ifname)); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    public IPAddress? LastReservedIp(int rangeSetIndex)
    {
        try
        {
            var text = File.ReadAllText(Path.Combine(_dir, LastIpPrefix + rangeSetIndex)).Trim();
            return Spec.IpMath.TryParseStrict(text, out var ip) ? ip : null;
        }
        catch (FileNotFoundException) { return null; }
    }

    public void Release(IPAddress ip)
    {
        try { File.Delete(Path.Combine(_dir, ip.ToString())); } catch (DirectoryNotFoundException) { }
    }

    public bool ReleaseIfOwned(IPAddress ip, string id, string ifname)
    {
        string path = Path.Combine(_dir, ip.ToString());
        if (ReadOwner(path, ip) is not { } r || r.ContainerId != id.Trim() || (r.IfName != ifname && r.IfName.Length != 0)) return false;
        File.Delete(path);
        return true;
    }

    public int ReleaseById(string id, string ifname)
    {
        // Exact "id\r\nifname" first; files written by old host-local versions hold only the id.
        int n = 0;
        foreach (var r in Scan())
            if (r.ContainerId == id.Trim() && r.IfName == ifname) { File.Delete(Path.Combine(_dir, r.Ip.ToString())); n++; }
        if (n == 0)
            foreach (var r in Scan())
                if (r.ContainerId == id.Trim() && r.IfName.Length == 0) { File.Delete(Path.Combine(_dir, r.Ip.ToString())); n++; }
        Forget(id, ifname);
        return n;
    }

    public IReadOnlyList<IPAddress> GetById(string id, string ifname)
    {
        // The hint, if every address it names is still held by the attachment; with complete hints
        // (stamp current) no hint means no address; else the full scan.
        var hinted = ReadIndex(id, ifname);
        if (hinted is { Count: > 0 } && AllOwned(hinted, id, ifname)) return hinted;
        if (_locked && _stampCurrent && hinted is null) return [];
        var all = Scan().ToList();
        if (_locked && !_hintsComplete) _hintsComplete = EveryReservationHinted(all);
        var mine = new List<IPAddress>();
        foreach (var r in all) if (Owns(r, id, ifname)) mine.Add(r.Ip);
        return mine;
    }

    bool AllOwned(List<IPAddress> ips, string id, string ifname)
    {
        foreach (var ip in ips)
            if (ReadOwner(Path.Combine(_dir, ip.ToString()), ip) is not { } r || !Owns(r, id, ifname)) return false;
        return true;
    }

    /// <summary>Whether the hints name every reservation (stops at the first one without: host-local's).</summary>
    bool EveryReservationHinted(List<Reservation> all)
    {
        var hints = new Dictionary<(string, string), List<IPAddress>?>();
        foreach (var r in all)
        {
            if (r.IfName.Length == 0) return false; // an old host-local file: owner by container ID only
            if (!hints.TryGetValue((r.ContainerId, r.IfName), out var h)) hints[(r.ContainerId, r.IfName)] = h = ReadIndex(r.ContainerId, r.IfName);
            if (h is null || !h.Contains(r.Ip)) return false;
        }
        return true;
    }

    static bool Owns(Reservation r, string id, string ifname) => r.ContainerId == id.Trim() && (r.IfName == ifname || r.IfName.Length == 0);

    public IReadOnlyList<Reservation> List() => Scan().ToList();

    /// <summary>Every file whose name is an address, with the owner it records.</summary>
    IEnumerable<Reservation> Scan()
    {
        IEnumerable<string> files;
        try { files = Directory.EnumerateFiles(_dir); }
        catch (DirectoryNotFoundException) { yield break; }
        foreach (var path in files)
        {
            var name = Path.GetFileName(path);
            if (!Spec.IpMath.TryParseStrict(name, out var ip)) continue;
            if (ReadOwner(path, ip) is { } r) yield return r;
        }
    }

    /// <summary>Reads one reservation file without allocating a stream ("id\r\nifname", or just "id").</summary>
    static Reservation? ReadOwner(string path, IPAddress ip)
    {
        Span<byte> buf = stackalloc byte[512];
        int n;
        try
        {
            using var h = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            n = RandomAccess.Read(h, buf, 0);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException) { return null; }
        var text = Encoding.UTF8.GetString(buf[..n]).Trim();
        int br = text.IndexOf(LineBreak, StringComparison.Ordinal);
        return br < 0 ? new Reservation(ip, text, "") : new Reservation(ip, text[..br].Trim(), text[(br + 2)..].Trim());
    }

    public void Dispose() { }
}
