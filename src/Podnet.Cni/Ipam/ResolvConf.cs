using Podnet.Cni.Spec;

namespace Podnet.Cni.Ipam;

/// <summary>Reads nameserver/domain/search/options from a resolv.conf file (host-local's "resolvConf").</summary>
public static class ResolvConf
{
    public static CniDns Parse(string path)
    {
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CniException(CniErrorCode.IoFailure, $"could not read resolvConf {path}", e.Message, e);
        }
        var ns = new List<string>(); var search = new List<string>(); var opts = new List<string>(); string? domain = null;
        foreach (var raw in lines)
        {
            var f = raw.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (f.Length < 2 || f[0].StartsWith('#') || f[0].StartsWith(';')) continue;
            switch (f[0])
            {
                case "nameserver": ns.Add(f[1]); break;
                case "domain": domain = f[1]; break;
                case "search": search.AddRange(f[1..]); break;
                case "options": opts.AddRange(f[1..]); break;
            }
        }
        return new CniDns(ns, domain, search, opts);
    }
}
