namespace Podnet.Workload;

/// <summary>A bad command line: reported with the usage text and exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

internal static class Usage
{
    public const string Text = """
        usage:
          podnet-agnhost netexec [--http-port P[,P…]] [--tcp-port P[,P…]] [--udp-port P[,P…]]
              HTTP: /hostname /echo?msg=M /clientip /healthz on every --http-port (default 8080)
              TCP:  echoes every byte back;  UDP: "hostname", "clientip", "echo M", else echoes the datagram
          podnet-agnhost connect HOST:PORT [HOST:PORT…] [--protocol tcp|udp] [--timeout 1s]
              exit 0: all reachable (TCP: connected; UDP: the echo came back), 1: one is not, 2: bad usage
              one line per target (several are probed at once): "reachable" on stdout, the reason on stderr

        """;

    /// <summary>Parses "1s", "500ms", "2m" or plain seconds.</summary>
    public static TimeSpan ParseDuration(string flag, string s)
    {
        double Num(string t) => double.TryParse(t, System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0 && v < 86400
            ? v : throw new UsageException($"{flag}: \"{s}\" is not a positive duration like 500ms, 1s or 2m");
        if (s.EndsWith("ms")) return TimeSpan.FromMilliseconds(Num(s[..^2]));
        if (s.EndsWith('s')) return TimeSpan.FromSeconds(Num(s[..^1]));
        if (s.EndsWith('m')) return TimeSpan.FromMinutes(Num(s[..^1]));
        return TimeSpan.FromSeconds(Num(s));
    }

    /// <summary>Parses a port list "80" or "80,8080".</summary>
    public static IEnumerable<int> ParsePorts(string flag, string s)
    {
        foreach (var part in s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            yield return int.TryParse(part, out int p) && p is > 0 and < 65536
                ? p : throw new UsageException($"{flag}: \"{part}\" is not a port (1-65535)");
    }

    /// <summary>The pod's name: $HOSTNAME as the lab kubelet sets it, else the UTS hostname.</summary>
    public static string Hostname() =>
        Environment.GetEnvironmentVariable("HOSTNAME") is { Length: > 0 } h ? h : System.Net.Dns.GetHostName();
}
