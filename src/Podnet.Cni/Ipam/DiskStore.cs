using System.Net;
using System.Text;

namespace Podnet.Cni.Ipam;

/// <summary>
/// host-local's on-disk layout, byte for byte: &lt;dataDir&gt;/&lt;network&gt;/&lt;ip&gt; holds "containerID\r\nifname",
/// last_reserved_ip.&lt;rangeSetIndex&gt; holds the last address handed out, and the file "lock" is
/// flock()ed exclusively around every change (the same lock the reference plugin takes).
/// </summary>
public sealed class DiskStore : IIpamStore
{
    const string LastIpPrefix = "last_reserved_ip.";
    const string LineBreak = "\r\n";
    readonly string _dir;
    readonly string _lockPath;

    public DiskStore(string dir)
    {
        _dir = dir;
        try
        {
            Directory.CreateDirectory(dir);
            _lockPath = Path.Combine(dir, "lock");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Spec.CniException(Spec.CniErrorCode.IoFailure, $"could not open IPAM data directory {dir}", e.Message, e);
        }
    }

    public IDisposable Lock()
    {
        try { return Podnet.Linux.FileLock.Acquire(_lockPath); }
        catch (Podnet.Linux.PodnetLinuxException e)
        {
            throw new Spec.CniException(Spec.CniErrorCode.IoFailure, $"could not lock IPAM data directory {_dir}", e.Message, e);
        }
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
        File.WriteAllText(Path.Combine(_dir, LastIpPrefix + rangeSetIndex), ip.ToString());
        return true;
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
        return n;
    }

    public IReadOnlyList<IPAddress> GetById(string id, string ifname) =>
        Scan().Where(r => r.ContainerId == id.Trim() && (r.IfName == ifname || r.IfName.Length == 0)).Select(r => r.Ip).ToList();

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
