namespace Podnet.Lab.Tests;

/// <summary>Lets the lab tests start this assembly as the lab's daemons
/// (<c>dotnet Podnet.Lab.Tests.dll controlplane …</c> / <c>… kubelet …</c> / <c>… dns …</c>): the same entry points
/// the podnet binary wires, without depending on the CLI being built.</summary>
public static class Program
{
    public static Task<int> Main(string[] args) => args.FirstOrDefault() switch
    {
        "controlplane" => Podnet.ControlPlane.ControlPlaneHost.RunAsync(args[1..], CancellationToken.None),
        "kubelet" => Podnet.Lab.Kubelet.KubeletCommand.RunAsync(args[1..], CancellationToken.None),
        // A container command `podnet dns …` (the cluster DNS pods) runs here under the test kubelet.
        "dns" => Podnet.Dns.DnsCommand.RunAsync(args[1..], CancellationToken.None),
        // Manual runs of the runtime: `lab-up NAME NODES [podnet|reference]`, `lab-down NAME`.
        "lab-up" => LabUp(args),
        "lab-down" => Task.Run(() => { Podnet.Lab.Runtime.LabRuntime.Down(args[1], new Progress<string>(Console.WriteLine)); return 0; }),
        _ => Task.FromResult(2),
    };

    private static async Task<int> LabUp(string[] args)
    {
        var status = await Podnet.Lab.Runtime.LabRuntime.UpAsync(new Podnet.Lab.Runtime.LabOptions
        {
            Name = args[1],
            Nodes = int.Parse(args[2]),
            Cni = args.Length > 3 && args[3] == "reference" ? Podnet.Lab.Kubelet.CniPlugins.Reference : Podnet.Lab.Kubelet.CniPlugins.Podnet,
            DaemonCommand = ["dotnet", typeof(Program).Assembly.Location],
        }, new SyncProgress());
        Console.WriteLine(status.Summary);
        return 0;
    }

    /// <summary>Reports at once, on the caller's thread (Progress&lt;T&gt; posts to the pool).</summary>
    public sealed class SyncProgress(Action<string>? sink = null) : IProgress<string>
    {
        public void Report(string value) => (sink ?? Console.WriteLine)(value);
    }
}
