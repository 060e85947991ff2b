namespace Podnet.Cli.Commands;

public static class VersionCommand
{
    public static string Text => $"podnet {typeof(VersionCommand).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"}";

    public static readonly CommandSpec Spec = new("version", "Print the podnet version", "", [],
        ctx => { ctx.Out.WriteLine(Text); return Task.FromResult(0); });
}
