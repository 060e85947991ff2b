namespace Podnet.Cli.Args;

/// <summary>kubectl-style argument parsing: flags anywhere among the positionals, short flags
/// combinable (<c>-it</c>) or with an attached value (<c>-owide</c>), <c>--flag=value</c>, and
/// everything after <c>--</c> passed through untouched.</summary>
public static class ArgParser
{
    public static ParsedArgs Parse(IReadOnlyList<string> args, IReadOnlyList<FlagSpec> flags, string command)
    {
        var positionals = new List<string>();
        var values = new Dictionary<string, List<string>>();
        List<string>? rest = null;

        void Add(FlagSpec f, string v)
        {
            if (!values.TryGetValue(f.Long, out var list)) values[f.Long] = list = [];
            list.Add(v);
        }

        for (int i = 0; i < args.Count; i++)
        {
            var a = args[i];
            if (a == "--")
            {
                rest = args.Skip(i + 1).ToList();
                break;
            }
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                var body = a[2..];
                var eq = body.IndexOf('=');
                var name = eq < 0 ? body : body[..eq];
                var f = flags.FirstOrDefault(x => x.Long == name)
                    ?? throw new UsageException($"unknown flag: --{name}", command);
                if (f.TakesValue)
                {
                    if (eq >= 0) Add(f, body[(eq + 1)..]);
                    else if (i + 1 < args.Count) Add(f, args[++i]);
                    else throw new UsageException($"flag needs an argument: --{name}", command);
                }
                else Add(f, eq >= 0 ? body[(eq + 1)..] : "");
                continue;
            }
            if (a.Length > 1 && a[0] == '-' && !IsNumber(a))
            {
                // A group of short flags: every one but a value flag's; a value flag takes the rest.
                for (int j = 1; j < a.Length; j++)
                {
                    var c = a[j];
                    var f = flags.FirstOrDefault(x => x.Short == c)
                        ?? throw new UsageException($"unknown shorthand flag: '{c}' in {a}", command);
                    if (!f.TakesValue) { Add(f, ""); continue; }
                    var attached = a[(j + 1)..];
                    if (attached.StartsWith('=')) attached = attached[1..];
                    if (attached.Length > 0) Add(f, attached);
                    else if (i + 1 < args.Count) Add(f, args[++i]);
                    else throw new UsageException($"flag needs an argument: '{c}' in -{c}", command);
                    break;
                }
                continue;
            }
            positionals.Add(a);
        }
        return new ParsedArgs(positionals, values, rest);
    }

    private static bool IsNumber(string s) => s.Length > 1 && s.Skip(1).All(char.IsAsciiDigit);
}
