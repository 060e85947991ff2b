using Podnet.Cli.Args;

namespace Podnet.Cli.Apply;

/// <summary>One manifest text and where it came from (a path, or "STDIN").</summary>
public sealed record ManifestSource(string Name, string Text);

/// <summary>Reads <c>-f FILE|DIR|-</c> arguments: a directory contributes its .yaml, .yml and .json
/// files in name order (recursively with -R), <c>-</c> reads standard input once.</summary>
public static class ManifestSources
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    public static IReadOnlyList<ManifestSource> Read(IReadOnlyList<string> paths, bool recursive, TextReader stdin)
    {
        if (paths.Count == 0) throw new UsageException("must specify one of -f and -k (no manifest given: use -f FILE, -f DIR or -f -)");
        var result = new List<ManifestSource>();
        bool stdinUsed = false;
        foreach (var p in paths)
        {
            if (p == "-")
            {
                if (stdinUsed) throw new UsageException("standard input (-f -) can be given only once");
                stdinUsed = true;
                result.Add(new("STDIN", stdin.ReadToEnd()));
            }
            else if (Directory.Exists(p))
            {
                var files = Directory.EnumerateFiles(p, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
                    .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (files.Count == 0) throw new UsageException($"error reading \"{p}\": no .yaml, .yml or .json files in the directory");
                result.AddRange(files.Select(f => new ManifestSource(f, File.ReadAllText(f))));
            }
            else if (File.Exists(p)) result.Add(new(p, File.ReadAllText(p)));
            else throw new UsageException($"the path \"{p}\" does not exist");
        }
        return result;
    }
}
