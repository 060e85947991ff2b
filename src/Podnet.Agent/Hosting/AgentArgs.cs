namespace Podnet.Agent.Hosting;

/// <summary>
/// The command line shared by podnetd's API-driven agents: <c>--api SOCKET --node NAME</c> plus the
/// command's own options, each taking one value. Problems are written with the usage (exit 2).
/// </summary>
public sealed class AgentArgs
{
    private readonly Dictionary<string, string> _options;

    private AgentArgs(string command, string usage, string api, string node, Dictionary<string, string> options)
    {
        Command = command;
        Usage = usage;
        Api = api;
        Node = node;
        _options = options;
    }

    /// <summary>The subcommand, e.g. <c>proxy</c>.</summary>
    public string Command { get; }
    public string Usage { get; }
    public string Api { get; }
    public string Node { get; }

    /// <summary>The value of <paramref name="option"/> (e.g. <c>--table</c>), or null when it was not given.</summary>
    public string? this[string option] => _options.GetValueOrDefault(option);

    /// <summary>Parses <paramref name="args"/>; on a problem writes it with the usage to
    /// <paramref name="err"/> and returns null.</summary>
    public static AgentArgs? Parse(string command, string usage, string[] args, IReadOnlyCollection<string> options, TextWriter err)
    {
        var values = new Dictionary<string, string>();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (a is not ("--api" or "--node") && !options.Contains(a)) return Fail(command, usage, $"unknown option {a}", err);
            if (i + 1 == args.Length) return Fail(command, usage, $"{a} needs a value", err);
            values[a] = args[++i];
        }
        if (!values.Remove("--api", out var api) || !values.Remove("--node", out var node))
            return Fail(command, usage, "--api and --node are required", err);
        return new AgentArgs(command, usage, api, node, values);
    }

    /// <summary>Writes <c>podnetd COMMAND: PROBLEM</c> and the usage; returns exit code 2.</summary>
    public int Fail(string problem, TextWriter err)
    {
        Fail(Command, Usage, problem, err);
        return 2;
    }

    private static AgentArgs? Fail(string command, string usage, string problem, TextWriter err)
    {
        err.WriteLine($"podnetd {command}: {problem}\n{usage}");
        return null;
    }
}
