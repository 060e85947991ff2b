using System.Diagnostics;
using System.Net;
using Podnet.Linux.Netns;

namespace Podnet.Agent.Overlay.Node;

/// <summary>
/// Source NAT for pod traffic leaving the cluster network (flanneld --ip-masq): one nftables table
/// <c>ip podnet-overlay</c>, replaced in a single atomic transaction (existing connections keep
/// their conntrack mappings). Pod-to-pod traffic is never translated.
/// </summary>
public static class Masquerade
{
    public const string Table = "podnet-overlay";

    public static string Ruleset(IPNetwork network) => $$"""
        table ip {{Table}} {}
        delete table ip {{Table}}
        table ip {{Table}} {
          chain postrouting {
            type nat hook postrouting priority srcnat; policy accept;
            ip saddr {{network}} ip daddr {{network}} return
            ip saddr {{network}} ip daddr 224.0.0.0/4 return
            ip saddr {{network}} masquerade
          }
        }

        """;

    public static void Apply(NetNs ns, IPNetwork network) => RunNft(ns, Ruleset(network), "apply masquerade for " + network);

    public static void Remove(NetNs ns) =>
        RunNft(ns, $"table ip {Table} {{}}\ndelete table ip {Table}\n", "remove masquerade table");

    private static void RunNft(NetNs ns, string script, string what)
    {
        var psi = new ProcessStartInfo(ns.IsProcessNamespace ? "nft" : "nsenter")
        {
            RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        if (!ns.IsProcessNamespace) { psi.ArgumentList.Add("--net=" + ns.Path); psi.ArgumentList.Add("nft"); }
        psi.ArgumentList.Add("-f");
        psi.ArgumentList.Add("-");
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidOperationException($"could not {what} in {ns.Label}: cannot run nft ({e.Message}; install nftables)", e); }
        using (p)
        {
            p.StandardInput.Write(script);
            p.StandardInput.Close();
            var err = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(10_000)) { p.Kill(); throw new InvalidOperationException($"could not {what} in {ns.Label}: nft timed out"); }
            if (p.ExitCode != 0) throw new InvalidOperationException($"could not {what} in {ns.Label}: nft: {err.Result.Trim()}");
        }
    }
}
