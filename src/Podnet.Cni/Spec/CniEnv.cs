using System.Collections;

namespace Podnet.Cni.Spec;

public enum CniCommand { Add, Del, Check, Status, Version, Gc }

/// <summary>The CNI_* protocol parameters of one invocation, validated per command (spec section 2).</summary>
public sealed record CniEnv(CniCommand Command, string ContainerId, string Netns, string IfName, string Args, string Path)
{
    public static CniEnv FromProcess() => From(name => Environment.GetEnvironmentVariable(name));

    public static CniEnv From(Func<string, string?> get)
    {
        string? cmd = get("CNI_COMMAND");
        var command = cmd switch
        {
            "ADD" => CniCommand.Add,
            "DEL" => CniCommand.Del,
            "CHECK" => CniCommand.Check,
            "STATUS" => CniCommand.Status,
            "VERSION" => CniCommand.Version,
            "GC" => CniCommand.Gc,
            null or "" => throw Invalid("CNI_COMMAND", "is not set"),
            _ => throw Invalid("CNI_COMMAND", $"has unknown value \"{cmd}\" (expected ADD, DEL, CHECK, STATUS, VERSION or GC)"),
        };
        string id = get("CNI_CONTAINERID") ?? "";
        string netns = get("CNI_NETNS") ?? "";
        string ifname = get("CNI_IFNAME") ?? "";
        var env = new CniEnv(command, id, netns, ifname, get("CNI_ARGS") ?? "", get("CNI_PATH") ?? "");
        if (command is CniCommand.Add or CniCommand.Del or CniCommand.Check)
        {
            if (id.Length == 0) throw Invalid("CNI_CONTAINERID", "is not set");
            if (!ValidContainerId(id)) throw Invalid("CNI_CONTAINERID", $"\"{id}\" is invalid: must start with an alphanumeric character followed by alphanumerics, '_', '.' or '-'");
            if (ifname.Length == 0) throw Invalid("CNI_IFNAME", "is not set");
            if (!ValidIfName(ifname)) throw Invalid("CNI_IFNAME", $"\"{ifname}\" is not a valid interface name (1-15 bytes, no '/', ':' or whitespace, not '.' or '..')");
            if (command != CniCommand.Del && netns.Length == 0) throw Invalid("CNI_NETNS", "is not set");
        }
        return env;
    }

    static CniException Invalid(string name, string why) =>
        new(CniErrorCode.InvalidEnvironment, $"invalid environment variable {name}", $"{name} {why}");

    public static bool ValidContainerId(string id)
    {
        if (id.Length == 0 || !char.IsAsciiLetterOrDigit(id[0])) return false;
        foreach (char c in id)
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-')) return false;
        return true;
    }

    public static bool ValidIfName(string name)
    {
        if (name.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(name) > 15 || name is "." or "..") return false;
        foreach (char c in name)
            if (c == '/' || c == ':' || char.IsWhiteSpace(c)) return false;
        return true;
    }
}

/// <summary>
/// CNI_ARGS ("K=V;K=V"). Known keys: IP (requested addresses, comma separated), MAC, IgnoreUnknown.
/// Unknown keys are an error unless IgnoreUnknown is 1/true, as in the reference plugins.
/// </summary>
public sealed record CniArgs(IReadOnlyList<string> Ips, string? Mac)
{
    public static readonly CniArgs None = new([], null);

    public static CniArgs Parse(string args)
    {
        if (args.Length == 0) return None;
        var ips = new List<string>(); string? mac = null; bool ignore = false; var unknown = new List<string>();
        foreach (var pair in args.Split(';'))
        {
            var kv = pair.Split('=');
            if (kv.Length != 2)
                throw new CniException(CniErrorCode.InvalidEnvironment, "invalid environment variable CNI_ARGS", $"CNI_ARGS: invalid pair \"{pair}\"");
            switch (kv[0])
            {
                case "IP": ips.AddRange(kv[1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)); break;
                case "MAC": mac = kv[1]; break;
                case "IgnoreUnknown": ignore = kv[1] is "1" or "true" or "True" or "TRUE"; break;
                default: unknown.Add(pair); break;
            }
        }
        if (unknown.Count > 0 && !ignore)
            throw new CniException(CniErrorCode.InvalidEnvironment, "invalid environment variable CNI_ARGS",
                $"CNI_ARGS: unknown args {string.Join(", ", unknown.Select(u => $"\"{u}\""))} (set IgnoreUnknown=1 to ignore them)");
        return new CniArgs(ips, mac);
    }
}
