namespace Podnet.Lab.Runtime;

/// <summary>Where the lab finds its binaries.</summary>
public static class LabBinaries
{
    /// <summary>The podnet binary: this process when it is podnet, else $PODNET_BIN/podnet, else
    /// podnet next to this assembly's repository's out/bin.</summary>
    public static string Podnet()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileName(self) == "podnet") return self;
        return Path.Combine(BinDir(), "podnet");
    }

    /// <summary>The directory of podnet-cni, podnet-ipam and podnet-agnhost: the podnet binary's own
    /// directory, else $PODNET_BIN, else &lt;repo&gt;/out/bin above the running assembly.</summary>
    public static string BinDir()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileName(self) == "podnet") return Path.GetDirectoryName(self)!;
        if (Environment.GetEnvironmentVariable("PODNET_BIN") is { Length: > 0 } env) return env;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Podnet.slnx"))) return Path.Combine(d.FullName, "out", "bin");
        return AppContext.BaseDirectory;
    }
}
