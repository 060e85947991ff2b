using Podnet.Dns.Forward;
using Podnet.Dns.Metrics;
using Podnet.Dns.Zone;

namespace Podnet.Dns.Config;

/// <summary>
/// Parses a Corefile-like configuration: one server block with the directives CoreDNS users know.
/// <code>
/// .:53 {
///     bind 127.0.0.1
///     kubernetes cluster.local in-addr.arpa ip6.arpa {
///         pods insecure
///         ttl 5
///         endpoint /run/podnet/lab/api.sock
///     }
///     forward . /etc/resolv.conf
///     cache 3600
///     prometheus :9153
///     health :8080
/// }
/// </code>
/// Errors name the file, the line and the directive.
/// </summary>
public static class Corefile
{
    private static readonly HashSet<string> Ignored = ["errors", "log", "loop", "reload", "loadbalance", "ready"];

    private sealed record Token(string Text, int Line);

    public static DnsConfig Parse(string text, string source = "Corefile")
    {
        var lines = Tokenize(text);
        var config = new DnsConfig();
        int i = 0;
        if (lines.Count == 0) throw Error(source, 1, "no server block");
        var head = lines[i++];
        if (head[^1].Text != "{") throw Error(source, head[0].Line, $"expected \"{{\" after server address \"{head[0].Text}\"");
        var key = head[0].Text;
        int colon = key.LastIndexOf(':');
        if (colon >= 0)
        {
            if (!int.TryParse(key[(colon + 1)..], out int port) || port is < 0 or > 65535) throw Error(source, head[0].Line, $"invalid port in \"{key}\"");
            config = config with { Listen = new(config.Listen.Address, port) };
        }
        bool closed = false;
        while (i < lines.Count)
        {
            var l = lines[i++];
            string d = l[0].Text;
            int line = l[0].Line;
            var args = l.Skip(1).Select(t => t.Text).ToList();
            if (d == "}") { closed = true; break; }
            try
            {
                switch (d)
                {
                    case "bind":
                        Need(args, 1);
                        config = config with { Listen = new(System.Net.IPAddress.Parse(args[0]), config.Listen.Port) };
                        break;
                    case "kubernetes":
                    {
                        var zone = config.Zone with { Zone = args.Count > 0 && args[0] != "{" ? args[0].TrimEnd('.') : "cluster.local" };
                        if (args.Count > 0 && args[^1] == "{")
                        {
                            while (true)
                            {
                                if (i >= lines.Count) throw Error(source, line, "kubernetes block is not closed");
                                var sub = lines[i++];
                                var sd = sub[0].Text;
                                var sa = sub.Skip(1).Select(t => t.Text).ToList();
                                if (sd == "}") break;
                                try
                                {
                                    switch (sd)
                                    {
                                        case "pods":
                                            Need(sa, 1);
                                            zone = zone with { Pods = Enum.TryParse<PodsMode>(sa[0], true, out var pm) ? pm : throw new FormatException($"pods must be insecure, verified or disabled, not \"{sa[0]}\"") };
                                            break;
                                        case "ttl":
                                            Need(sa, 1);
                                            zone = zone with { Ttl = uint.TryParse(sa[0], out var ttl) && ttl <= 3600 ? ttl : throw new FormatException($"ttl must be 0..3600, not \"{sa[0]}\"") };
                                            break;
                                        case "endpoint":
                                            Need(sa, 1);
                                            config = config with { ApiSocket = sa[0].StartsWith("unix://") ? sa[0][7..] : sa[0] };
                                            break;
                                        case "state":
                                            Need(sa, 1);
                                            config = config with { StateFile = sa[0] };
                                            break;
                                        case "fallthrough": break;
                                        default: throw new FormatException($"unknown kubernetes option \"{sd}\"");
                                    }
                                }
                                catch (FormatException e) { throw Error(source, sub[0].Line, e.Message); }
                            }
                        }
                        _ = DnsName(zone.Zone);
                        config = config with { Zone = zone };
                        break;
                    }
                    case "forward":
                        Need(args, 2);
                        if (args[0] != ".") throw new FormatException($"forward only supports \".\", not \"{args[0]}\"");
                        foreach (var a in args.Skip(1)) if (!a.StartsWith('/')) ResolvConf.ParseEndpoint(a);
                        config = config with { Upstreams = args.Skip(1).ToList() };
                        break;
                    case "cache":
                        config = config with
                        {
                            Cache = true,
                            CacheMaxTtl = args.Count == 0 ? config.CacheMaxTtl : uint.TryParse(args[0], out var c) ? c : throw new FormatException($"cache TTL must be a number of seconds, not \"{args[0]}\""),
                        };
                        break;
                    case "prometheus":
                        Need(args, 1);
                        HttpEndpoint.ParseAddress(args[0]);
                        config = config with { Metrics = args[0] };
                        break;
                    case "health":
                        Need(args, 1);
                        HttpEndpoint.ParseAddress(args[0]);
                        config = config with { Health = args[0] };
                        break;
                    case "workers":
                        Need(args, 1);
                        config = config with { UdpWorkers = int.TryParse(args[0], out var w) && w is > 0 and <= 64 ? w : throw new FormatException($"workers must be 1..64, not \"{args[0]}\"") };
                        break;
                    default:
                        if (!Ignored.Contains(d)) throw new FormatException($"unknown directive \"{d}\"");
                        break;
                }
            }
            catch (FormatException e) when (!e.Message.StartsWith(source + ":")) { throw Error(source, line, e.Message); }
        }
        if (!closed) throw Error(source, head[0].Line, "server block is not closed");
        return config;
    }

    private static byte[] DnsName(string zone) => Wire.DnsName.FromText(zone);

    private static void Need(List<string> args, int n)
    {
        if (args.Count < n) throw new FormatException($"expected {n} argument(s)");
    }

    private static FormatException Error(string source, int line, string message) => new($"{source}:{line}: {message}");

    /// <summary>Lines of tokens; "{" and "}" are tokens of their own; "#" starts a comment.</summary>
    private static List<List<Token>> Tokenize(string text)
    {
        var result = new List<List<Token>>();
        var lines = text.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            var l = lines[n];
            int hash = l.IndexOf('#');
            if (hash >= 0) l = l[..hash];
            l = l.Replace("{", " { ").Replace("}", " } ");
            var tokens = l.Split((char[])[' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries).Select(t => new Token(t, n + 1)).ToList();
            // "}" closes a block on its own line even when written after a directive.
            var cur = new List<Token>();
            foreach (var t in tokens)
            {
                if (t.Text == "}") { if (cur.Count > 0) result.Add(cur); result.Add([t]); cur = []; }
                else cur.Add(t);
            }
            if (cur.Count > 0) result.Add(cur);
        }
        return result;
    }
}
