namespace Podnet.Cli.Check;

/// <summary>A problem that stops <c>podnet check</c> with a message for the user (no stack trace).</summary>
public sealed class CheckException(string message, Exception? inner = null) : Exception(message, inner);
