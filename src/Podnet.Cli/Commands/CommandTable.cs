namespace Podnet.Cli.Commands;

/// <summary>Every command of the CLI, in help order.</summary>
public static class CommandTable
{
    public static readonly IReadOnlyList<CommandSpec> All =
    [
        GetCommand.Spec,
        DescribeCommand.Spec,
        ApplyCommand.Spec,
        ApplyCommand.CreateSpec,
        DeleteCommand.Spec,
        PodCommands.Exec,
        PodCommands.Logs,
        Check.CheckCommand.Spec,
        LabCommand.Spec,
        ApiResourcesCommand.Spec,
        VersionCommand.Spec,
        DaemonCommands.ControlPlane,
        DaemonCommands.Kubelet,
        DaemonCommands.Dns,
    ];

    public static CommandSpec? Find(string name) => All.FirstOrDefault(c => c.Name == name);
}
