using System.Diagnostics;
using System.Text;
using Podnet.Testing;

namespace Podnet.Agent.Tests.Overlay;

/// <summary>The real podnetd binary running `overlay` inside a node namespace; killed on dispose.</summary>
public sealed class Podnetd : IDisposable
{
    private readonly Process _p;
    private readonly StringBuilder _log = new();

    public Podnetd(LabNode node, string api, params string[] extra)
    {
        var psi = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", node.Ns.Name, Binaries.Path("podnetd"), "overlay", "--api", api, "--node", node.Name,
                     "--iface", "eth0", "--subnet-file", node.SubnetFile, "--cni-conf-dir", node.Dir })
            psi.ArgumentList.Add(a);
        foreach (var a in extra) psi.ArgumentList.Add(a);
        _p = Process.Start(psi)!;
        _p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _p.BeginErrorReadLine();
        _p.BeginOutputReadLine();
    }

    public string Log { get { lock (_log) return _log.ToString(); } }
    public bool HasExited => _p.HasExited;

    public int WaitExit(TimeSpan timeout)
    {
        if (!_p.WaitForExit(timeout)) throw new TimeoutException("podnetd did not exit: " + Log);
        _p.WaitForExit();
        return _p.ExitCode;
    }

    /// <summary>Waits until subnet.env exists and the log shows a reconcile-ready agent.</summary>
    public async Task WaitReadyAsync(LabNode node, DateTime notBefore)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (_p.HasExited) throw new InvalidOperationException($"podnetd on {node.Name} exited {_p.ExitCode}: {Log}");
            if (File.Exists(node.SubnetFile) && File.GetLastWriteTimeUtc(node.SubnetFile) >= notBefore) return;
            await Task.Delay(50);
        }
        throw new TimeoutException($"podnetd on {node.Name} not ready: {Log}");
    }

    public void Signal(string sig) => Sh.Run("kill", "-" + sig, _p.Id.ToString());

    public void Dispose()
    {
        try { if (!_p.HasExited) { _p.Kill(entireProcessTree: true); _p.WaitForExit(5000); } } catch (InvalidOperationException) { }
        _p.Dispose();
    }
}
