using System.Net;

namespace Podnet.Dns.Forward;

/// <summary>Upstream server lists: resolv.conf files and "addr", "addr:port", "[v6]:port" strings.</summary>
public static class ResolvConf
{
    public static IReadOnlyList<IPEndPoint> ReadNameservers(string path)
    {
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) { throw new InvalidOperationException($"could not read upstream servers from {path}: {e.Message}", e); }
        var list = new List<IPEndPoint>();
        foreach (var raw in lines)
        {
            var line = raw.Split('#', ';')[0].Trim();
            var parts = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 2 && parts[0] == "nameserver" && IPAddress.TryParse(parts[1].Split('%')[0], out var ip))
                list.Add(new IPEndPoint(ip, 53));
        }
        return list;
    }

    public static IPEndPoint ParseEndpoint(string text, int defaultPort = 53)
    {
        var t = text.Trim();
        if (t.StartsWith("dns://", StringComparison.OrdinalIgnoreCase)) t = t[6..];
        if (IPAddress.TryParse(t, out var bare) && !t.Contains("]:")) return new IPEndPoint(bare, defaultPort);
        if (IPEndPoint.TryParse(t, out var ep)) return ep.Port == 0 ? new IPEndPoint(ep.Address, defaultPort) : ep;
        throw new FormatException($"invalid upstream server \"{text}\": expected an IP address, optionally with :port");
    }

    /// <summary>Expands a list of upstream specs: file paths (resolv.conf) or addresses.</summary>
    public static IReadOnlyList<IPEndPoint> Expand(IEnumerable<string> specs)
    {
        var list = new List<IPEndPoint>();
        foreach (var s in specs)
            list.AddRange(s.StartsWith('/') ? ReadNameservers(s) : [ParseEndpoint(s)]);
        return list;
    }
}
