using Podnet.Api.Client;
using Podnet.Cli.Args;
using Podnet.Cli.Connection;

namespace Podnet.Cli;

/// <summary>What a command runs with: its parsed arguments, the streams, environment, clock and
/// the (lazily connected) cluster API. Tests run commands in-process with their own streams.</summary>
public sealed class CliContext : IDisposable
{
    private ApiClient? _api;
    private ApiTarget? _target;

    public CliContext(TextWriter stdout, TextWriter stderr, TextReader stdin, Func<string, string?>? env = null,
        Func<DateTimeOffset>? clock = null, string runRoot = LabLocator.DefaultRunRoot)
    {
        Out = stdout;
        Err = stderr;
        In = stdin;
        Env = env ?? Environment.GetEnvironmentVariable;
        Clock = clock ?? (() => DateTimeOffset.UtcNow);
        RunRoot = runRoot;
    }

    public TextWriter Out { get; }
    public TextWriter Err { get; }
    public TextReader In { get; }
    public Func<string, string?> Env { get; }
    public Func<DateTimeOffset> Clock { get; }
    public string RunRoot { get; }
    public CancellationToken Cancel { get; init; }

    /// <summary>The command being run, e.g. "get" or "lab up" (for error hints).</summary>
    public string Command { get; set; } = "";
    public ParsedArgs Args { get; set; } = new([], [], null);

    /// <summary>The namespace from -n, else "default".</summary>
    public string Namespace => Args.Value("namespace") is { Length: > 0 } ns ? ns : "default";
    public bool NamespaceExplicit => Args.Value("namespace") is { Length: > 0 };

    public ApiTarget Target => _target ??= LabLocator.Locate(Args.Value("lab"), Args.Value("socket"), Env, RunRoot);

    public ApiClient Api => _api ??= new ApiClient(Target.Socket);

    public void Dispose() => _api?.Dispose();
}
