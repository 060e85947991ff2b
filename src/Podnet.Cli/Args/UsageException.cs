namespace Podnet.Cli.Args;

/// <summary>A user error on the command line (unknown command, flag or resource type, missing
/// argument). Printed as <c>error: …</c> with a pointer to help, exit code 1, no stack trace.</summary>
public sealed class UsageException(string message, string? helpCommand = null) : Exception(message)
{
    /// <summary>The command whose help explains the usage, e.g. "get" (null: the top-level help).</summary>
    public string? HelpCommand { get; } = helpCommand;
}

/// <summary>A failure the command already explained; carries only the exit code.</summary>
public sealed class ExitException(int code, string message = "") : Exception(message)
{
    public int Code { get; } = code;
}
