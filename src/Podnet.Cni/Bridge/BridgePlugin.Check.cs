using Podnet.Cni.Spec;
using Podnet.Linux.Netlink;

namespace Podnet.Cni.Bridge;

public sealed partial class BridgePlugin
{
    /// <summary>CHECK: the interfaces, addresses and routes of prevResult are still there, the IP is still
    /// reserved and the masquerade rules are in place.</summary>
    byte[] Check()
    {
        if (conf.PrevResult is null)
            throw new CniException(CniErrorCode.InvalidConfig, "required prevResult missing", "CHECK needs the result of the ADD as \"prevResult\"");
        var prev = ResultJson.Parse(conf.PrevResult, "prevResult");
        Ipam?.Check();

        using var contNs = OpenContainerNs(required: true)!;
        using var host = Rtnl.OpenCurrent("the host netns");
        using var cont = Rtnl.OpenOnCallingThread(contNs);

        var brIf = prev.Interfaces.FirstOrDefault(i => string.IsNullOrEmpty(i.Sandbox) && i.Name == conf.BridgeName)
            ?? throw Fail($"prevResult lists no bridge interface \"{conf.BridgeName}\"");
        var contIf = prev.Interfaces.FirstOrDefault(i => i.Sandbox == env.Netns && i.Name == env.IfName)
            ?? throw Fail($"prevResult lists no interface \"{env.IfName}\" in {env.Netns}");

        var br = host.FindLink(brIf.Name) ?? throw Fail($"bridge \"{brIf.Name}\" not found");
        if (br.Kind != "bridge") throw Fail($"interface \"{br.Name}\" is not a bridge");
        if (brIf.Mac is { } bm && !string.Equals(bm, br.Mac?.ToString(), StringComparison.OrdinalIgnoreCase))
            throw Fail($"bridge \"{br.Name}\" MAC {br.Mac} does not match prevResult {bm}");
        if (br.IsPromisc != conf.PromiscMode)
            throw Fail($"bridge \"{br.Name}\" promiscuous mode is {br.IsPromisc}, config says {conf.PromiscMode}");

        var cl = cont.FindLink(env.IfName) ?? throw Fail($"interface \"{env.IfName}\" not found in {env.Netns}");
        if (cl.Kind != "veth") throw Fail($"interface \"{env.IfName}\" in {env.Netns} is not a veth");
        if (contIf.Mac is { } cm && !string.Equals(cm, cl.Mac?.ToString(), StringComparison.OrdinalIgnoreCase))
            throw Fail($"interface \"{env.IfName}\" MAC {cl.Mac} does not match prevResult {cm}");

        var hv = host.FindLink(HostVeth) ?? throw Fail($"host veth \"{HostVeth}\" not found");
        if (hv.MasterIndex != br.Index) throw Fail($"host veth \"{HostVeth}\" is not attached to bridge \"{br.Name}\"");
        if (cl.ParentIndex != hv.Index) throw Fail($"interface \"{env.IfName}\" is not the peer of host veth \"{HostVeth}\"");

        int contIdx = prev.Interfaces.ToList().IndexOf(contIf);
        var have = cont.ListAddresses(cl.Index).Select(a => new Cidr(Spec.IpMath.Canonical(a.Ip), a.PrefixLength)).ToHashSet();
        foreach (var ip in prev.Ips.Where(i => i.Interface == contIdx))
            if (!have.Contains(ip.Address)) throw Fail($"address {ip.Address} missing on \"{env.IfName}\" in {env.Netns}");

        var routes = cont.ListRoutes(table: null);
        foreach (var rt in prev.Routes)
        {
            bool found = routes.Any(r => r.OutIndex == cl.Index &&
                (r.Destination is { } d ? d.PrefixLength == rt.Dst.Prefix && d.BaseAddress.Equals(rt.Dst.Network) : rt.Dst.Prefix == 0) &&
                (rt.Gw is null || rt.Gw.Equals(r.Gateway)));
            if (!found) throw Fail($"route {rt.Dst}{(rt.Gw is null ? "" : " via " + rt.Gw)} missing in {env.Netns}");
        }

        if (conf.IpMasq)
        {
            var addrs = prev.Ips.Where(i => i.Interface == contIdx).Select(i => i.Address).ToList();
            if (!masq.Check(conf.Name, env.ContainerId, env.IfName, addrs))
                throw Fail($"masquerade rules for {env.ContainerId}/{env.IfName} missing");
        }
        return [];
    }

    static CniException Fail(string details) => new(CniErrorCode.CheckFailed, "CHECK failed", details);
}
