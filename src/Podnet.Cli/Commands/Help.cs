using System.Text;
using Podnet.Cli.Args;

namespace Podnet.Cli.Commands;

/// <summary>Help texts, generated from the command table.</summary>
public static class Help
{
    public static string TopLevel(IEnumerable<CommandSpec> commands)
    {
        var sb = new StringBuilder();
        sb.Append("podnet drives a Kubernetes-style network lab built from Linux network namespaces.\n\n");
        sb.Append("Usage:\n  podnet COMMAND [ARGS] [flags]\n\nCommands:\n");
        foreach (var c in commands.Where(c => !c.Hidden)) sb.Append($"  {c.Name,-10} {c.Summary}\n");
        sb.Append("\nGlobal flags:\n");
        foreach (var f in GlobalFlags.All) sb.Append($"  {f.Display,-26} {f.Help}\n");
        sb.Append("\nUse \"podnet COMMAND --help\" for more about a command.\n");
        return sb.ToString();
    }

    public static string For(CommandSpec c, string path)
    {
        var sb = new StringBuilder();
        sb.Append(c.Summary).Append("\n\nUsage:\n  podnet ").Append(path).Append(' ').Append(c.Usage).Append('\n');
        if (c.Subcommands is { Count: > 0 } subs)
        {
            sb.Append("\nCommands:\n");
            foreach (var s in subs) sb.Append($"  {s.Name,-10} {s.Summary}\n");
        }
        if (c.Examples is not null) sb.Append("\nExamples:\n").Append(c.Examples.TrimEnd()).Append('\n');
        if (c.Flags.Count > 0)
        {
            sb.Append("\nFlags:\n");
            foreach (var f in c.Flags) sb.Append($"  {f.Display,-30} {f.Help}\n");
        }
        sb.Append("\nGlobal flags:\n");
        foreach (var f in GlobalFlags.All) sb.Append($"  {f.Display,-30} {f.Help}\n");
        return sb.ToString();
    }
}
