using System.Net;
using Podnet.Lab.Kubelet;
using Podnet.Linux.Netlink;
using Podnet.Linux.Netns;

namespace Podnet.Lab.Pods;

/// <summary>
/// A pod's network sandbox — what the pause container is to containerd: the namespace
/// <c>pn-LAB-p-XXXXXXXX</c>, its loopback, its eth0 from the CNI plugin, and the files
/// <c>ip netns exec</c> bind-mounts over /etc for every container (resolv.conf, hostname, hosts).
/// </summary>
public static class PodSandbox
{
    /// <summary>CNI_ARGS as containerd passes them for a Kubernetes pod.</summary>
    public static string CniArgs(string ns, string pod, string uid, string containerId) =>
        $"IgnoreUnknown=1;K8S_POD_NAMESPACE={ns};K8S_POD_NAME={pod};K8S_POD_INFRA_CONTAINER_ID={containerId};K8S_POD_UID={uid}";

    /// <summary>Creates the namespace and attaches it. On failure nothing is left behind.</summary>
    public static async Task<CniAttachment> CreateAsync(string netns, CniRunner cni, string containerId, string cniArgs,
        string? resolvConf, string hostname, CancellationToken ct)
    {
        if (NetNs.Exists(netns)) await DestroyAsync(netns, cni, containerId, cniArgs, CancellationToken.None); // a leftover of a crash
        try
        {
            using (var ns = NetNs.Create(netns))
            using (var r = Rtnl.Open(ns))
                r.SetUp("lo");
            var att = await cni.AddAsync(containerId, NetNs.PathOf(netns), cniArgs, ct);
            WriteEtc(netns, resolvConf, hostname, att.Ip);
            return att;
        }
        catch
        {
            await DestroyAsync(netns, cni, containerId, cniArgs, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Detaches and removes the namespace and its /etc/netns files. Idempotent; the
    /// caller kills the pod's processes first.</summary>
    public static async Task DestroyAsync(string netns, CniRunner cni, string containerId, string cniArgs, CancellationToken ct)
    {
        Exception? first = null;
        try { await cni.DelAsync(containerId, NetNs.PathOf(netns), cniArgs, ct); }
        catch (Exception e) { first = e; }
        try { NetNs.Delete(netns); } catch (Exception e) { first ??= e; }
        try
        {
            var etc = LabNames.EtcNetnsDir(netns);
            if (Directory.Exists(etc)) Directory.Delete(etc, recursive: true);
        }
        catch (IOException e) { first ??= e; }
        if (first is not null) throw new InvalidOperationException($"could not remove pod sandbox {netns}: {first.Message}", first);
    }

    private static void WriteEtc(string netns, string? resolvConf, string hostname, IPAddress ip)
    {
        var etc = LabNames.EtcNetnsDir(netns);
        Directory.CreateDirectory(etc);
        if (resolvConf is not null) File.WriteAllText(Path.Combine(etc, "resolv.conf"), resolvConf);
        File.WriteAllText(Path.Combine(etc, "hostname"), hostname + "\n");
        File.WriteAllText(Path.Combine(etc, "hosts"),
            $"# Kubernetes-managed hosts file (podnet lab kubelet).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n{ip}\t{hostname}\n");
    }
}
