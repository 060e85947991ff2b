using Podnet.Api.Client;
using Podnet.Linux;

namespace Podnet.Lab.Kubelet;

/// <summary>Entry of the hidden <c>podnet kubelet --lab LAB --node I [--bin DIR] [--cni podnet|reference]
/// [--cni-conf-dir DIR]</c>, which <c>lab up</c> starts inside node I's namespace. With --cni-conf-dir the
/// kubelet uses the conflist the node's network agent writes there instead of writing its own.</summary>
public static class KubeletCommand
{
    /// <summary>Runs the lab kubelet until <paramref name="ct"/> fires or SIGTERM/SIGINT; returns the exit code
    /// (2 for bad arguments, 1 for a failure, 0 after a clean stop).</summary>
    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        string? lab = null, bin = null, cniConfDir = null;
        int node = 0;
        var plugins = CniPlugins.Podnet;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            try
            {
                switch (args[i])
                {
                    case "kubelet" when i == 0: break;
                    case "--lab": lab = Next(); break;
                    case "--node": node = int.TryParse(Next(), out var n) && n is >= 1 and <= LabNames.MaxNodes ? n : throw new ArgumentException($"--node: \"{args[i]}\" is not a node number"); break;
                    case "--bin": bin = Next(); break;
                    case "--cni-conf-dir": cniConfDir = Next(); break;
                    case "--cni": plugins = Next() switch { "podnet" => CniPlugins.Podnet, "reference" => CniPlugins.Reference, var s => throw new ArgumentException($"--cni: \"{s}\" is not podnet or reference") }; break;
                    default: throw new ArgumentException($"unknown argument \"{args[i]}\"");
                }
            }
            catch (ArgumentException e)
            {
                await Console.Error.WriteLineAsync($"podnet kubelet: {e.Message} (usage: --lab LAB --node I [--bin DIR] [--cni podnet|reference] [--cni-conf-dir DIR])");
                return 2;
            }
        }
        if (lab is null || node == 0 || LabNames.Problem(lab) is { } problem && problem.Length > 0)
        {
            await Console.Error.WriteLineAsync($"podnet kubelet: --lab LAB (a valid lab name) and --node I are required");
            return 2;
        }
        var names = new LabNames(lab);
        bin ??= Runtime.LabBinaries.BinDir();
        using var stop = new StopSignals(ct);
        using var api = new ApiClient(names.ApiSocket);
        void Log(string m) => Console.Out.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {m}");
        try
        {
            await new LabKubelet(names, node, bin, plugins, api, Log, cniConfDir) { PodnetCommand = SelfCommand() }.RunAsync(stop.Token);
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsStopping) { return 0; }
        catch (Exception e)
        {
            Log($"kubelet of node {node} failed: {e}");
            return 1;
        }
    }

    /// <summary>This program as a command line: the podnet binary, or <c>dotnet X.dll</c> when run
    /// through dotnet (tests host the same entry points).</summary>
    private static IReadOnlyList<string>? SelfCommand()
    {
        var self = Environment.ProcessPath;
        if (self is null) return null;
        if (Path.GetFileName(self) != "dotnet") return [self];
        var entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        return entry is { Length: > 0 } ? [self, entry] : null;
    }
}
