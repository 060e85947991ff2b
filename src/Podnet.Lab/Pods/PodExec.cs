using System.Diagnostics;

namespace Podnet.Lab.Pods;

/// <summary>Runs a command in a running pod of a lab (for <c>podnet exec</c>): in the pod's network
/// namespace through <c>ip netns exec</c>, so it sees the pod's eth0, localhost and resolv.conf.</summary>
public static class PodExec
{
    /// <summary>Finds the pod's sandbox as its kubelet recorded it; throws naming the pod when it
    /// has none on this machine (not scheduled yet, not started, or another lab).</summary>
    public static SandboxState Find(string lab, string ns, string pod)
    {
        var names = new LabNames(lab);
        return SandboxState.Read(names.PodDir(ns, pod))
            ?? throw new InvalidOperationException($"pod \"{ns}/{pod}\" has no running sandbox in lab \"{lab}\" (is it Running? `podnet get pod {pod} -n {ns}`)");
    }

    /// <summary>Starts <paramref name="argv"/> in the pod. With <paramref name="redirect"/> false,
    /// stdio is inherited from this process (an interactive exec); otherwise stdout and stderr are
    /// captured and stdin is a pipe.</summary>
    public static Process Start(string lab, string ns, string pod, string? container, IReadOnlyList<string> argv, bool redirect)
    {
        if (argv.Count == 0) throw new ArgumentException("exec needs a command");
        var s = Find(lab, ns, pod);
        if (container is not null && !s.Containers.Contains(container))
            throw new ArgumentException($"pod \"{ns}/{pod}\" has no container \"{container}\" (containers: {string.Join(", ", s.Containers)})");
        var psi = new ProcessStartInfo("ip")
        {
            UseShellExecute = false, RedirectStandardInput = redirect, RedirectStandardOutput = redirect, RedirectStandardError = redirect,
        };
        foreach (var a in new[] { "netns", "exec", s.Netns }) psi.ArgumentList.Add(a);
        // As in the containers: podnet-agnhost (and "agnhost") from the lab's binaries.
        var bin = Runtime.LabManifest.Read(new LabNames(lab).ManifestFile)?.BinDir ?? Runtime.LabBinaries.BinDir();
        var program = Path.GetFileName(argv[0]) is "agnhost" or "podnet-agnhost" ? Path.Combine(bin, "podnet-agnhost") : argv[0];
        psi.ArgumentList.Add(program);
        foreach (var a in argv.Skip(1)) psi.ArgumentList.Add(a);
        psi.Environment["PATH"] = bin + ":" + (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin");
        psi.Environment["HOSTNAME"] = s.HostNetwork ? LabNames.NodeName(s.Node) : s.Pod;
        return Process.Start(psi) ?? throw new InvalidOperationException($"could not exec {argv[0]} in pod {ns}/{pod}");
    }

    /// <summary>Runs the command with inherited stdio and returns its exit code.</summary>
    public static async Task<int> RunAsync(string lab, string ns, string pod, string? container, IReadOnlyList<string> argv, CancellationToken ct = default)
    {
        using var p = Start(lab, ns, pod, container, argv, redirect: false);
        try { await p.WaitForExitAsync(ct); }
        catch (OperationCanceledException) { try { p.Kill(true); } catch (InvalidOperationException) { } throw; }
        return p.ExitCode;
    }
}
