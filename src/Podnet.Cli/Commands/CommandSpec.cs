using Podnet.Cli.Args;

namespace Podnet.Cli.Commands;

/// <summary>One command: its name, help, flags and handler. <see cref="Raw"/> commands (the hidden
/// daemon modes) get their arguments unparsed.</summary>
public sealed record CommandSpec(
    string Name,
    string Summary,
    string Usage,
    IReadOnlyList<FlagSpec> Flags,
    Func<CliContext, Task<int>> Run,
    bool Hidden = false,
    Func<string[], CancellationToken, Task<int>>? Raw = null,
    IReadOnlyList<CommandSpec>? Subcommands = null,
    string? Examples = null);

/// <summary>Flags every command accepts.</summary>
public static class GlobalFlags
{
    public static readonly FlagSpec Namespace = FlagSpec.Value("namespace", 'n', "NS", "namespace of the request (default \"default\")");
    public static readonly FlagSpec Lab = FlagSpec.Value("lab", null, "NAME", "lab to talk to (default: $PODNET_LAB, the only running lab, or \"podnet\")");
    public static readonly FlagSpec Socket = FlagSpec.Value("socket", null, "PATH", "cluster API unix socket (overrides --lab; also $PODNET_SOCKET)");
    public static readonly FlagSpec Help = FlagSpec.Bool("help", 'h', "help for this command");

    public static readonly IReadOnlyList<FlagSpec> All = [Namespace, Lab, Socket, Help];
}
