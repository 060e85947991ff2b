using System.Net.Sockets;
using Podnet.Cli.Args;

namespace Podnet.Cli.Connection;

/// <summary>Where the CLI finds the cluster API, and why (for error messages).</summary>
public sealed record ApiTarget(string Lab, string Socket, string Reason);

/// <summary>Finds the lab's API socket: <c>--socket</c>, <c>--lab</c>, <c>$PODNET_SOCKET</c>,
/// <c>$PODNET_LAB</c>, else the only running lab, else the default lab <c>podnet</c>;
/// its socket is <c>/run/podnet/&lt;lab&gt;/api.sock</c>.</summary>
public static class LabLocator
{
    public const string DefaultRunRoot = "/run/podnet";
    public const string DefaultLab = "podnet";

    public static ApiTarget Locate(string? labFlag, string? socketFlag, Func<string, string?> env, string runRoot = DefaultRunRoot)
    {
        // Flags before environment, as in kubectl.
        if (!string.IsNullOrEmpty(socketFlag)) return new(labFlag ?? "", socketFlag, "--socket");
        if (!string.IsNullOrEmpty(labFlag)) return ForLab(CheckName(labFlag, "--lab"), runRoot, "--lab");
        if (env("PODNET_SOCKET") is { Length: > 0 } s) return new("", s, "$PODNET_SOCKET");
        if (env("PODNET_LAB") is { Length: > 0 } l) return ForLab(CheckName(l, "$PODNET_LAB"), runRoot, "$PODNET_LAB");
        var running = RunningLabs(runRoot);
        if (running.Count == 1) return ForLab(running[0], runRoot, "the only running lab");
        if (running.Count > 1)
            throw new UsageException($"several labs are running ({string.Join(", ", running)}): choose one with --lab NAME or $PODNET_LAB");
        return ForLab(DefaultLab, runRoot, "the default lab");
    }

    public static string SocketOf(string lab, string runRoot = DefaultRunRoot) => Path.Combine(runRoot, lab, "api.sock");

    /// <summary>Labs whose API socket accepts a connection (a stale socket of a killed lab does not count).</summary>
    public static IReadOnlyList<string> RunningLabs(string runRoot = DefaultRunRoot)
    {
        if (!Directory.Exists(runRoot)) return [];
        var result = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories(runRoot).Order(StringComparer.Ordinal))
        {
            var sock = Path.Combine(dir, "api.sock");
            if (File.Exists(sock) && Accepts(sock)) result.Add(Path.GetFileName(dir));
        }
        return result;
    }

    private static bool Accepts(string socketPath)
    {
        try
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            s.Connect(new UnixDomainSocketEndPoint(socketPath));
            return true;
        }
        catch (SocketException) { return false; }
    }

    private static ApiTarget ForLab(string lab, string runRoot, string reason) => new(lab, SocketOf(lab, runRoot), reason);

    /// <summary>Lab names become path and namespace parts: DNS-label characters only.</summary>
    public static string CheckName(string lab, string source)
    {
        bool ok = lab.Length is > 0 and <= 40 && lab.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
                  && lab[0] != '-' && lab[^1] != '-';
        return ok ? lab : throw new UsageException(
            $"invalid lab name \"{lab}\" (from {source}): use 1-40 lowercase letters, digits or '-', starting and ending with a letter or digit");
    }
}
