using System.Text;
using Podnet.Linux.Interop;
using Podnet.Linux.Netns;

namespace Podnet.Linux;

/// <summary>
/// Reads and writes sysctls. Network sysctls (<c>net.*</c>) belong to the namespace of the thread
/// that opens the /proc/sys file, so the namespace overloads run on a dedicated thread inside it.
/// Keys use dots (<c>net.ipv4.ip_forward</c>) or, when a part itself contains dots such as an
/// interface name, slashes (<c>net/ipv4/conf/pn-vxlan.1/forwarding</c>), like sysctl(8).
/// </summary>
public static class Sysctl
{
    /// <summary>Reads a sysctl inside <paramref name="ns"/> (trimmed).</summary>
    public static string Read(NetNs ns, string key) =>
        ns.IsProcessNamespace ? Read(key, ns.Label) : ns.Run(() => Read(key, ns.Label));

    /// <summary>Writes a sysctl inside <paramref name="ns"/>.</summary>
    public static void Write(NetNs ns, string key, string value)
    {
        if (ns.IsProcessNamespace) Write(key, value, ns.Label);
        else ns.Run(() => Write(key, value, ns.Label));
    }

    /// <summary>The /proc/sys path of <paramref name="key"/>; rejects keys that would escape it.</summary>
    public static string PathOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        string rel = key.Contains('/') ? key.Trim('/') : key.Replace('.', '/');
        foreach (var part in rel.Split('/'))
            if (part is "" or "." or "..")
                throw new PodnetLinuxException("resolve sysctl", "\"" + key + "\"", null, Errno.EINVAL, "malformed key");
        return "/proc/sys/" + rel;
    }

    /// <summary>Reads a sysctl in the calling thread's namespace.</summary>
    public static string Read(string key, string? nsLabel = null)
    {
        string path = PathOf(key);
        using var fd = Libc.Open(path, Libc.O_RDONLY);
        if (fd.IsInvalid) throw new PodnetLinuxException("read sysctl", key, nsLabel, Errno.Last());
        Span<byte> buf = stackalloc byte[4096];
        int n = Libc.Read(fd, buf);
        if (n < 0) throw new PodnetLinuxException("read sysctl", key, nsLabel, Errno.Last());
        return Encoding.UTF8.GetString(buf[..n]).Trim();
    }

    /// <summary>Writes a sysctl in the calling thread's namespace.</summary>
    public static void Write(string key, string value, string? nsLabel = null)
    {
        string path = PathOf(key);
        using var fd = Libc.Open(path, Libc.O_WRONLY);
        string obj = key + "=" + value;
        if (fd.IsInvalid) throw new PodnetLinuxException("write sysctl", obj, nsLabel, Errno.Last());
        byte[] data = Encoding.UTF8.GetBytes(value + "\n");
        if (Libc.Write(fd, data) < 0) throw new PodnetLinuxException("write sysctl", obj, nsLabel, Errno.Last());
    }
}
