namespace Podnet.Agent.Hosting;

/// <summary>
/// The command line shared by podnetd's API-driven agents: <c>--api SOCKET --node NAME</c> plus the
/// command's own options, each taking one value. Problems are written with the usage (exit 2).
/// </summary>
/// <param name="Command">The subcommand, e.g. <c>proxy</c>.</param>
public sealed record AgentArgs(string Command, string Usage, string Api, string Node, IReadOnlyDictionary<string, string> Options)
{
    /// <summary>The value of <paramref name="option"/> (e.g. <c>--table</c>), or null when it was not given.</summary>
    public string? this[string option] => Options.GetValueOrDefault(option);

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
