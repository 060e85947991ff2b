namespace Podnet.Cli.Args;

/// <summary>The result of parsing one command's arguments.</summary>
public sealed class ParsedArgs
{
    private readonly Dictionary<string, List<string>> _values;

    public ParsedArgs(IReadOnlyList<string> positionals, Dictionary<string, List<string>> values, IReadOnlyList<string>? afterDashDash)
    {
        Positionals = positionals;
        _values = values;
        AfterDashDash = afterDashDash;
    }

    public IReadOnlyList<string> Positionals { get; }

    /// <summary>Arguments after <c>--</c> (null when there was no <c>--</c>).</summary>
    public IReadOnlyList<string>? AfterDashDash { get; }

    public bool Has(string flag) => _values.ContainsKey(flag);

    /// <summary>The last value given for a value flag (kubectl: the last one wins), else null.</summary>
    public string? Value(string flag) => _values.TryGetValue(flag, out var v) && v.Count > 0 ? v[^1] : null;

    public IReadOnlyList<string> Values(string flag) => _values.TryGetValue(flag, out var v) ? v : [];

    /// <summary>A bool flag: absent → <paramref name="fallback"/>, <c>--x</c> → true, <c>--x=false</c> → false.</summary>
    public bool Bool(string flag, bool fallback = false)
    {
        if (!_values.TryGetValue(flag, out var v) || v.Count == 0) return fallback;
        return v[^1] switch
        {
            "true" or "" => true,
            "false" => false,
            var s => throw new UsageException($"invalid argument \"{s}\" for \"--{flag}\" flag: expected true or false"),
        };
    }

    /// <summary>A non-negative integer value flag.</summary>
    public int Int(string flag, int fallback)
    {
        var s = Value(flag);
        if (s is null) return fallback;
        return int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new UsageException($"invalid argument \"{s}\" for \"--{flag}\" flag: expected a non-negative integer");
    }
}
