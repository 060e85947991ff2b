namespace Podnet.Cli.Args;

/// <summary>One flag a command accepts: <c>--long</c>, optionally <c>-s</c>; value flags take the next
/// argument (<c>-n x</c>, <c>-nx</c>, <c>--namespace=x</c>), bool flags accept <c>--flag=false</c>.</summary>
public sealed record FlagSpec(string Long, char? Short, bool TakesValue, string Help, string? ValueName = null)
{
    public static FlagSpec Bool(string name, char? shortName, string help) => new(name, shortName, false, help);
    public static FlagSpec Value(string name, char? shortName, string valueName, string help) => new(name, shortName, true, help, valueName);

    public string Display => (Short is char c ? $"-{c}, " : "    ") + "--" + Long + (TakesValue ? " " + (ValueName ?? "VALUE") : "");
}
