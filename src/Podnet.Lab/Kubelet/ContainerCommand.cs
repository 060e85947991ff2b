using System.Text;
using Podnet.Api.Models;

namespace Podnet.Lab.Kubelet;

/// <summary>Turns a container spec into the argv the lab runs. The image is ignored: the lab has
/// no images, so the command must name a program on this machine. <c>agnhost</c> (or any path
/// ending in it, as in agnhost images' <c>/agnhost</c>) means the built-in podnet-agnhost; with no
/// command, an agnhost image runs podnet-agnhost with the container's args. <c>podnet</c> means
/// the podnet binary the kubelet itself runs from (e.g. <c>podnet dns</c>, the cluster DNS pods).
/// <c>$(VAR)</c> in command and args expands from the container's environment as in Kubernetes.</summary>
public static class ContainerCommand
{
    public static IReadOnlyList<string> Resolve(Container c, string binDir,
        IReadOnlyDictionary<string, string>? env = null, IReadOnlyList<string>? podnet = null)
    {
        var argv = new List<string>();
        if (c.Command is { Count: > 0 } cmd) argv.AddRange(cmd);
        else if (c.Image is { } img && IsAgnhostImage(img)) argv.Add("agnhost");
        if (c.Args is { } args) argv.AddRange(args);
        if (argv.Count == 0)
            throw new ArgumentException($"container \"{c.Name}\" has no command: the lab runs commands on this machine and ignores images (image \"{c.Image}\"); set command, e.g. [podnet-agnhost, netexec]");
        if (env is not null) for (int i = 0; i < argv.Count; i++) argv[i] = Expand(argv[i], env);
        if (IsAgnhost(argv[0])) argv[0] = Path.Combine(binDir, "podnet-agnhost");
        else if (Path.GetFileName(argv[0]) == "podnet" && podnet is { Count: > 0 }) argv = [.. podnet, .. argv.Skip(1)];
        return argv;
    }

    /// <summary>Kubernetes' variable expansion: <c>$(NAME)</c> becomes NAME's value when the
    /// environment defines it and stays as written otherwise; <c>$$</c> is a literal <c>$</c>.</summary>
    public static string Expand(string s, IReadOnlyDictionary<string, string> env)
    {
        if (!s.Contains('$')) return s;
        var sb = new StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != '$' || i + 1 >= s.Length) { sb.Append(s[i]); continue; }
            if (s[i + 1] == '$') { sb.Append('$'); i++; continue; }
            int close = s[i + 1] == '(' ? s.IndexOf(')', i + 2) : -1;
            if (close > 0 && env.TryGetValue(s[(i + 2)..close], out var v)) { sb.Append(v); i = close; continue; }
            sb.Append('$');
        }
        return sb.ToString();
    }

    private static bool IsAgnhost(string program) =>
        Path.GetFileName(program) is "agnhost" or "podnet-agnhost";

    private static bool IsAgnhostImage(string image)
    {
        var last = image.Split('/')[^1];
        int colon = last.IndexOf(':');
        return (colon < 0 ? last : last[..colon]) is "agnhost" or "podnet-agnhost";
    }
}
