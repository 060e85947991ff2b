using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Podnet.Cni.Bridge;
using Podnet.Cni.Spec;

namespace Podnet.Cni.Masquerade;

/// <summary>
/// ipMasq through one nftables table, "inet podnet-cni": the postrouting chain looks the source address
/// up in a verdict map (masq4/masq6) that jumps to the attachment's own chain. Each change is one atomic
/// `nft -f -` transaction; add-then-delete makes removal idempotent without nft's "destroy".
/// Cost: one nft process per call (a few ms), the price of not having netlink nftables yet.
/// </summary>
public sealed partial class NftCliMasquerade(string nftPath = "nft") : IMasquerade
{
    public const string Table = "podnet-cni";

    const string Base = $$"""
        add table inet {{Table}}
        add map inet {{Table}} masq4 { type ipv4_addr : verdict; }
        add map inet {{Table}} masq6 { type ipv6_addr : verdict; }
        add chain inet {{Table}} postrouting { type nat hook postrouting priority srcnat; policy accept; }
        """;

    public void Add(string network, string containerId, string ifname, IReadOnlyList<Cidr> ips)
    {
        string chain = Names.MasqChain(network, containerId, ifname);
        var sb = new StringBuilder(Base).Append('\n');
        EnsureJumps(sb);
        sb.Append($"add chain inet {Table} {chain}\nflush chain inet {Table} {chain}\n");
        foreach (var ip in ips)
        {
            string fam = ip.IsV4 ? "ip" : "ip6", mcast = ip.IsV4 ? "224.0.0.0/4" : "ff00::/8";
            sb.Append($"add rule inet {Table} {chain} {fam} daddr {ip.Masked} accept comment \"{network}/{containerId}/{ifname}\"\n");
            sb.Append($"add rule inet {Table} {chain} {fam} daddr != {mcast} masquerade\n");
            sb.Append($"add element inet {Table} {(ip.IsV4 ? "masq4" : "masq6")} {{ {ip.Address} : jump {chain} }}\n");
        }
        Run(sb.ToString(), $"add masquerade rules for {containerId}/{ifname}");
    }

    public void Remove(string network, string containerId, string ifname, IReadOnlyList<Cidr> ips)
    {
        string chain = Names.MasqChain(network, containerId, ifname);
        var sb = new StringBuilder(Base).Append('\n');
        sb.Append($"add chain inet {Table} {chain}\nflush chain inet {Table} {chain}\n");
        foreach (var ip in ips)
        {
            string map = ip.IsV4 ? "masq4" : "masq6";
            // Adding first makes the delete succeed whether or not the element was there.
            sb.Append($"add element inet {Table} {map} {{ {ip.Address} : jump {chain} }}\n");
            sb.Append($"delete element inet {Table} {map} {{ {ip.Address} }}\n");
        }
        sb.Append($"delete chain inet {Table} {chain}\n");
        Run(sb.ToString(), $"remove masquerade rules for {containerId}/{ifname}");
    }

    public bool Check(string network, string containerId, string ifname, IReadOnlyList<Cidr> ips)
    {
        string chain = Names.MasqChain(network, containerId, ifname);
        var (code, output) = Exec(["list", "table", "inet", Table], null);
        if (code != 0) return false;
        return output.Contains($"chain {chain} {{") &&
               ips.All(ip => output.Contains($"{ip.Address} : jump {chain}") && output.Contains($"daddr {ip.Masked} accept"));
    }

    public int Gc(string network, IReadOnlySet<string> validChains)
    {
        var (code, output) = Exec(["list", "table", "inet", Table], null);
        if (code != 0) return 0;  // no table: nothing to collect
        string prefix = Names.MasqChainPrefix(network);
        var stale = ChainRe().Matches(output).Select(m => m.Groups[1].Value)
            .Where(c => c.StartsWith(prefix, StringComparison.Ordinal) && !validChains.Contains(c)).Distinct().ToList();
        if (stale.Count == 0) return 0;
        var sb = new StringBuilder();
        foreach (Match m in ElementRe().Matches(output))
            if (stale.Contains(m.Groups[2].Value))
            {
                string map = m.Groups[1].Value.Contains(':') ? "masq6" : "masq4";
                sb.Append($"delete element inet {Table} {map} {{ {m.Groups[1].Value} }}\n");
            }
        foreach (var c in stale) sb.Append($"flush chain inet {Table} {c}\ndelete chain inet {Table} {c}\n");
        Run(sb.ToString(), $"garbage-collect masquerade rules of network {network}");
        return stale.Count;
    }

    void EnsureJumps(StringBuilder sb)
    {
        // The two lookups are added once: flush + re-add keeps the base chain exactly two rules.
        sb.Append($"flush chain inet {Table} postrouting\n");
        sb.Append($"add rule inet {Table} postrouting ip saddr vmap @masq4\n");
        sb.Append($"add rule inet {Table} postrouting ip6 saddr vmap @masq6\n");
    }

    void Run(string script, string what)
    {
        var (code, output) = Exec(["-f", "-"], script);
        if (code != 0)
            throw new CniException(CniErrorCode.KernelFailure, $"could not {what}", $"nft -f - failed ({code}): {output.Trim()}");
    }

    (int Code, string Output) Exec(string[] args, string? stdin)
    {
        var psi = new ProcessStartInfo(nftPath)
        {
            RedirectStandardInput = stdin is not null, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CniException(CniErrorCode.KernelFailure, "could not run nft for ipMasq", $"{nftPath}: {e.Message} (install the nftables package)", e);
        }
        using (p)
        {
            var err = p.StandardError.ReadToEndAsync();
            if (stdin is not null) { p.StandardInput.Write(stdin); p.StandardInput.Close(); }
            string output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output + err.Result);
        }
    }

    [GeneratedRegex(@"chain (m-[0-9a-f]{8}-[0-9a-f]{8}) \{")]
    private static partial Regex ChainRe();

    [GeneratedRegex(@"([0-9a-fA-F.:]+) : jump (m-[0-9a-f]{8}-[0-9a-f]{8})")]
    private static partial Regex ElementRe();
}
