using System.Text.Json.Nodes;
using Podnet.Testing;

namespace Podnet.Cni.Tests.Kernel;

/// <summary>
/// podnet-cni driven by a real libcni runtime: Debian's podman with network_backend "cni", a busybox
/// rootfs (no registry needed). podman runs with its network namespace set to a throwaway node namespace
/// and in a private mount namespace whose /run/netns and /var/lib/cni are bind mounts of a temp dir
/// (see podman.sh), so nothing in the root namespace or on the host's paths is touched.
/// </summary>
public class PodmanTests
{
    [Fact]
    public void Podman_runs_containers_on_podnet_cni_with_cached_results_and_cleans_up()
    {
        using var lab = new CniLab();
        var t = lab.DataDir;
        foreach (var d in new[] { "root", "runroot", "cni", "netns", "cni-cache", "tmp", "rootfs/bin", "rootfs/etc", "rootfs/proc", "rootfs/sys", "rootfs/dev", "rootfs/tmp" })
            Directory.CreateDirectory(Path.Combine(t, d));
        File.Copy("/bin/busybox", Path.Combine(t, "rootfs/bin/busybox"));
        foreach (var c in new[] { "sh", "ip", "ping", "sleep" })
            File.CreateSymbolicLink(Path.Combine(t, "rootfs/bin", c), "busybox");
        var plugin = lab.Conf("1.0.0", ipam: lab.Ipam("podnet-ipam", "10.66.0.0/24"),
            extra: JsonNode.Parse("""{"bridge":"cni-pm0","isGateway":true,"isDefaultGateway":true,"ipMasq":true}""")!.AsObject());
        plugin.Remove("cniVersion"); plugin.Remove("name");
        var conflist = new JsonObject { ["cniVersion"] = "1.0.0", ["name"] = "pmnet", ["plugins"] = new JsonArray(plugin) };
        File.WriteAllText(Path.Combine(t, "cni/pmnet.conflist"), conflist.ToJsonString());
        File.WriteAllText(Path.Combine(t, "containers.conf"), $"""
            [network]
            network_backend = "cni"
            cni_plugin_dirs = ["{CniLab.Bin}", "{CniLab.RefBin}"]
            network_config_dir = "{t}/cni"
            [engine]
            cgroup_manager = "cgroupfs"
            events_logger = "file"
            runtime = "runc"
            tmp_dir = "{t}/tmp"
            """);
        string script = Path.Combine(AppContext.BaseDirectory, "Kernel", "podman.sh");
        var r = Sh.Run(["nsenter", $"--net={lab.Node.Path}", "unshare", "--mount", "--propagation", "private", "bash", script, t],
            TimeSpan.FromSeconds(120));
        string output = r.Stdout + r.Stderr;
        Assert.True(r.Ok, output);
        Assert.Contains("inet 10.66.0.", output);
        Assert.Contains("STEP one-shot OK", output);
        Assert.Contains("STEP ping OK", output);
        Assert.Contains("CACHED 2", output);          // libcni cached both ADD results
        Assert.Contains("STEP rm b OK", output);
        Assert.Contains("CACHED-MID 1", output);      // DEL (fed the cached prevResult) dropped b's
        Assert.Contains("CACHED-AFTER 0", output);
        Assert.Empty(lab.IpFiles("pmnet"));
        lab.AssertNoVethLeft();
        Assert.DoesNotContain("jump", lab.InNode("nft", "list", "table", "inet", "podnet-cni").Check());
    }
}
