using Podnet.Api.Models;

namespace Podnet.Lab.Kubelet;

/// <summary>Turns a container spec into the argv the lab runs. The image is ignored: the lab has
/// no images, so the command must name a program on this machine. <c>agnhost</c> (or any path
/// ending in it, as in agnhost images' <c>/agnhost</c>) means the built-in podnet-agnhost; with no
/// command, an agnhost image runs podnet-agnhost with the container's args.</summary>
public static class ContainerCommand
{
    public static IReadOnlyList<string> Resolve(Container c, string binDir)
    {
        var argv = new List<string>();
        if (c.Command is { Count: > 0 } cmd) argv.AddRange(cmd);
        else if (c.Image is { } img && IsAgnhostImage(img)) argv.Add("agnhost");
        if (c.Args is { } args) argv.AddRange(args);
        if (argv.Count == 0)
            throw new ArgumentException($"container \"{c.Name}\" has no command: the lab runs commands on this machine and ignores images (image \"{c.Image}\"); set command, e.g. [podnet-agnhost, netexec]");
        if (IsAgnhost(argv[0])) argv[0] = Path.Combine(binDir, "podnet-agnhost");
        return argv;
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
