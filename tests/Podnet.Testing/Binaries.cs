namespace Podnet.Testing;

/// <summary>Finds Podnet binaries built by scripts/build.sh: <c>$PODNET_BIN</c>, else <c>&lt;repo&gt;/out/bin</c>.</summary>
public static class Binaries
{
    /// <summary>The full path of <paramref name="name"/> (e.g. "podnet-cni"); throws a clear error if it is missing.</summary>
    public static string Path(string name)
    {
        string dir = Directory();
        string path = System.IO.Path.Combine(dir, name);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"{name} not found in {dir} (from {(Environment.GetEnvironmentVariable("PODNET_BIN") is { Length: > 0 } ? "$PODNET_BIN" : "<repo>/out/bin")}); run scripts/build.sh first",
                path);
        return path;
    }

    /// <summary>The binary directory: <c>$PODNET_BIN</c>, else <c>&lt;repo&gt;/out/bin</c>.</summary>
    public static string Directory()
    {
        if (Environment.GetEnvironmentVariable("PODNET_BIN") is { Length: > 0 } env) return env;
        return System.IO.Path.Combine(RepoRoot(), "out", "bin");
    }

    /// <summary>The repository root: the nearest parent of the test assembly holding Podnet.slnx.</summary>
    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(System.IO.Path.Combine(d.FullName, "Podnet.slnx"))) return d.FullName;
        throw new DirectoryNotFoundException($"no Podnet.slnx above {AppContext.BaseDirectory}");
    }
}
