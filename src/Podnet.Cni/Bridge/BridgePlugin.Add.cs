using System.Net;
using Podnet.Cni.Spec;
using static Podnet.Cni.Commands.Trace;
using Podnet.Linux;
using Podnet.Linux.Netlink;
using Podnet.Linux.Netns;

namespace Podnet.Cni.Bridge;

public sealed partial class BridgePlugin
{
    byte[] Add()
    {
        var prev = conf.PrevResult is { } p ? ResultJson.Parse(p, "prevResult") : null;
        using var contNs = OpenContainerNs(required: true)!;
        using var host = Rtnl.OpenCurrent("the host netns");
        using var cont = Rtnl.OpenOnCallingThread(contNs);
        Mark("sockets open");

        var undo = new Rollback();
        try
        {
            var br = EnsureBridge(host);
            Mark("bridge");
            var (hostVeth, contIndex, contMac) = SetupVeth(host, cont, contNs, br, undo);
            Mark("veth");
            if (conf.GsoMaxSize > 0)
            {
                SetGso(host, host.GetLink(br.Index)); // re-read: a bridge's ceiling follows its ports
                SetGso(host, hostVeth);
                SetGso(cont, cont.GetLink(contIndex));
                Mark("gso");
            }

            var ips = new List<IpConfig>();
            var routes = new List<CniRoute>();
            CniDns? dns = conf.Dns;
            if (Ipam is { } ipam)
            {
                var r = ipam.Add();
                Mark("ipam");
                undo.Push("IPAM reservation", ipam.Del);
                if (r.Ips.Count == 0)
                    throw new CniException(CniErrorCode.DelegateFailure, "IPAM plugin returned no IP configuration", $"ipam type {conf.IpamType}");
                CalcGateways(r, ips, routes);
                if (dns is null or { IsEmpty: true }) dns = r.Dns;
                ConfigureContainer(cont, contIndex, ips, routes);
                Mark("container configured");
                if (conf.IsGateway) EnsureGateways(host, br, ips, undo, out var vlanIf);
                Mark("gateway");
                if (conf.IpMasq)
                {
                    var addrs = ips.Select(i => i.Address).ToList();
                    masq.Add(conf.Name, env.ContainerId, env.IfName, addrs);
                    undo.Push("masquerade rules", () => masq.Remove(conf.Name, env.ContainerId, env.IfName, addrs));
                }
            }

            var ifs = new List<CniInterface>
            {
                new(br.Name, br.Mac?.ToString()),
                new(hostVeth.Name, hostVeth.Mac?.ToString()),
                new(env.IfName, contMac.ToString(), Sandbox: env.Netns),
            };
            if (conf.IsGateway && conf.Vlan != 0 && host.FindLink(VlanGatewayName) is { } vg)
                ifs.Add(new CniInterface(vg.Name, vg.Mac?.ToString()));
            Mark("result");
            var result = Merge(prev, ifs, ips, routes, dns);
            return ResultJson.ToBytes(result, conf.CniVersion);
        }
        catch
        {
            undo.Run(log);
            throw;
        }
    }

    /// <summary>
    /// The veth could not be created because a name is taken. CNI_IFNAME in the container is an error
    /// (code 101) unless it is the pair of this very attachment that a DEL left to the reaper; a host
    /// end left by an ADD whose namespace vanished is simply removed.
    /// </summary>
    void ResolveNameClash(Rtnl host, Rtnl cont)
    {
        var hv = host.FindLink(HostVeth);
        if (cont.FindLink(env.IfName) is { } taken)
        {
            if (taken.Kind != "veth" || hv is null || taken.ParentIndex != hv.Index)
                throw new CniException(CniErrorCode.InterfaceExists, "interface name is taken",
                    $"interface \"{env.IfName}\" already exists in container netns {env.Netns}");
        }
        if (hv is not null) host.DeleteLink(hv.Index, ignoreMissing: true);
    }

    /// <summary>The configured GSO/GRO size (clamped to what the driver allows) where it differs.</summary>
    void SetGso(Rtnl rt, Link l)
    {
        int size = l.TsoMaxSize > 0 ? Math.Min(conf.GsoMaxSize, l.TsoMaxSize) : conf.GsoMaxSize;
        if (l.GsoIpv4MaxSize != size) rt.SetGsoMaxSize(l.Index, size);
    }

    /// <summary>The bridge, created when missing (tolerating a concurrent creator), up, promisc as configured.</summary>
    Link EnsureBridge(Rtnl host)
    {
        var br = host.FindLink(conf.BridgeName);
        if (br is null)
        {
            try
            {
                // A fixed MAC keeps the bridge address from following its ports as they come and go.
                host.AddBridge(conf.BridgeName, conf.Mtu > 0 ? conf.Mtu : null, MacAddress.NewRandom(), conf.Vlan != 0 ? true : null);
            }
            catch (PodnetLinuxException e) when (e.Errno == Errno.EEXIST) { }
            catch (PodnetLinuxException e) when (e.Errno == Errno.EOPNOTSUPP && conf.Vlan != 0) { throw VlanUnsupported(e); }
            br = host.FindLink(conf.BridgeName) ?? throw new CniException(CniErrorCode.KernelFailure,
                $"bridge \"{conf.BridgeName}\" disappeared after it was created");
            HostSysctl.TryEnsure($"net/ipv6/conf/{conf.BridgeName}/accept_ra", "0");
        }
        if (br.Kind != "bridge")
            throw new CniException(CniErrorCode.InvalidConfig, "bridge name is taken",
                $"\"{conf.BridgeName}\" already exists but is not a bridge (kind {br.Kind ?? "none"})");
        bool changed = false;
        if (conf.PromiscMode && !br.IsPromisc) { host.SetPromisc(br.Index, true); changed = true; }
        if (!br.IsUp) { host.SetUp(br.Index); changed = true; }
        return changed ? host.GetLink(br.Index) : br;
    }

    /// <summary>The pair, host end enslaved and up, container end up; returns the host end and the
    /// container end's index and MAC.</summary>
    (Link Host, int ContIndex, MacAddress ContMac) SetupVeth(Rtnl host, Rtnl cont, NetNs contNs, Link br, Rollback undo)
    {
        // The container end's MAC is chosen here (random, locally administered, as the kernel would), so
        // the result needs no lookup inside the pod.
        MacAddress mac = conf.Mac is not { } m ? MacAddress.NewRandom()
            : MacAddress.TryParse(m, out var parsed) ? parsed
            : throw new CniException(CniErrorCode.InvalidConfig, "invalid MAC address", $"mac \"{m}\" is not a MAC address");
        // One request: host end enslaved and up, container end created inside the pod netns. (The kernel
        // cannot bring the peer up in that request: its pair is not linked yet.) With a vlan the port
        // is brought up only after it is tagged. Name clashes are diagnosed only when they happen.
        Link? Create() => host.AddVeth(HostVeth, env.IfName, contNs, conf.Mtu > 0 ? conf.Mtu : null, peerMac: mac,
            masterIndex: br.Index, up: conf.Vlan == 0);
        Link? created;
        try { created = Create(); }
        catch (PodnetLinuxException e) when (e.Errno == Errno.EEXIST)
        {
            ResolveNameClash(host, cont);
            created = Create();
        }
        Mark("veth: created");
        undo.Push($"veth {HostVeth}", () => host.DeleteLink(HostVeth, ignoreMissing: true));
        // The kernel echoes the new host end (Linux 6.3+); its IFLA_LINK is the container end's index.
        var hv = created ?? host.FindLink(HostVeth) ?? throw new CniException(CniErrorCode.KernelFailure, $"veth \"{HostVeth}\" vanished after creation");
        int contIndex = hv.ParentIndex is > 0 and int pi ? pi
            : cont.FindLink(env.IfName)?.Index ?? throw new CniException(CniErrorCode.KernelFailure,
                $"interface \"{env.IfName}\" not found in {env.Netns} after creating the veth");
        if (conf.HairpinMode) host.SetHairpin(hv.Index, true);
        if (conf.Vlan != 0)
        {
            try { host.AddBridgeVlan(hv.Index, (ushort)conf.Vlan, pvid: true, untagged: true); }
            catch (PodnetLinuxException e) when (e.Errno == Errno.EOPNOTSUPP) { throw VlanUnsupported(e); }
            host.SetUp(hv.Index);
        }
        cont.SetUp(contIndex);
        return (hv, contIndex, mac);
    }

    CniException VlanUnsupported(PodnetLinuxException e) =>
        new(CniErrorCode.UnsupportedField, $"unsupported field \"vlan\": {conf.Vlan}",
            $"\"vlan\": {conf.Vlan} needs bridge VLAN filtering, which this kernel does not support (CONFIG_BRIDGE_VLAN_FILTERING): {e.Message}", e);

    /// <summary>As the reference: addresses point at interface 2, gateways filled when isGateway,
    /// a default route per family when isDefaultGateway and IPAM gave none.</summary>
    void CalcGateways(CniResult r, List<IpConfig> ips, List<CniRoute> routes)
    {
        routes.AddRange(r.Routes);
        bool def4 = false, def6 = false;
        foreach (var ip in r.Ips)
        {
            var fixedIp = ip with { Interface = 2, Gateway = GatewayOf(ip) };
            ips.Add(fixedIp);
            if (!conf.IsDefaultGateway || fixedIp.Gateway is null) continue;
            ref bool found = ref (ip.Address.IsV4 ? ref def4 : ref def6);
            if (found) continue;
            found = routes.Any(rt => rt.Gw is not null && rt.Dst.Prefix == 0 && rt.Dst.IsV4 == ip.Address.IsV4);
            if (!found)
            {
                routes.Add(new CniRoute(new Cidr(ip.Address.IsV4 ? IPAddress.Any : IPAddress.IPv6Any, 0), fixedIp.Gateway));
                found = true;
            }
        }
    }

    void ConfigureContainer(Rtnl cont, int index, List<IpConfig> ips, List<CniRoute> routes)
    {
        foreach (var ip in ips)
            cont.AddAddress(index, ip.Address.Address, ip.Address.Prefix, noDad: true);
        foreach (var rt in routes)
        {
            var gw = rt.Gw ?? ips.FirstOrDefault(i => i.Address.IsV4 == rt.Dst.IsV4 && i.Gateway is not null)?.Gateway;
            cont.AddRoute(new Route
            {
                Destination = Net(rt.Dst), Gateway = gw, OutIndex = index,
                Metric = rt.Priority is { } pr ? (uint)pr : null,
                Table = rt.Table is { } t ? (uint)t : RouteTables.Main,
                Scope = rt.Scope is { } s ? (byte)s : null,
            }, ignoreExisting: true);
        }
    }

    string VlanGatewayName => $"{conf.BridgeName}.{conf.Vlan}";

    /// <summary>Gateway addresses on the bridge (or on the vlan gateway interface), forwarding on.</summary>
    void EnsureGateways(Rtnl host, Link br, List<IpConfig> ips, Rollback undo, out Link? vlanIf)
    {
        vlanIf = null;
        int target = br.Index;
        if (conf.Vlan != 0)
        {
            vlanIf = EnsureVlanGateway(host, br);
            target = vlanIf.Index;
        }
        bool v4 = false, v6 = false;
        foreach (var ip in ips)
        {
            if (ip.Gateway is null) continue;
            EnsureAddr(host, target, new Cidr(ip.Gateway, ip.Address.Prefix));
            if (ip.Address.IsV4) v4 = true; else v6 = true;
        }
        if (v4) HostSysctl.Ensure("net/ipv4/ip_forward", "1");
        if (v6) HostSysctl.Ensure("net/ipv6/conf/all/forwarding", "1");
    }

    /// <summary>The reference's ensureAddr: an IPv4 bridge holds one address; a different one is an
    /// error unless forceAddress, which replaces it. IPv6 conflicts only when the prefixes overlap.</summary>
    void EnsureAddr(Rtnl host, int index, Cidr gw)
    {
        var family = gw.IsV4 ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6;
        foreach (var a in host.ListAddresses(index, family))
        {
            var have = new Cidr(a.Ip, a.PrefixLength);
            if (have == gw) return;
            if (have.Address.IsIPv6LinkLocal) continue;
            if (gw.IsV4 || have.Contains(gw.Address) || gw.Contains(have.Address))
            {
                if (!conf.ForceAddress)
                    throw new CniException(CniErrorCode.InvalidConfig, "bridge already has a different address",
                        $"\"{conf.BridgeName}\" already has an IP address {have} different from {gw} (set forceAddress to replace it)");
                host.DeleteAddress(index, a.Ip, a.PrefixLength);
            }
        }
        host.AddAddress(index, gw.Address, gw.Prefix, ignoreExisting: true, noDad: true);
    }

    /// <summary>With vlan and isGateway the reference puts the gateway on a veth "&lt;bridge&gt;.&lt;vlan&gt;"
    /// whose peer is an untagged port of that vlan on the bridge.</summary>
    Link EnsureVlanGateway(Rtnl host, Link br)
    {
        if (host.FindLink(VlanGatewayName) is { } existing) return existing;
        string peer = Names.HostVethPrefix + Names.Hash8("vlan-gw\n" + VlanGatewayName);
        try { host.AddVeth(VlanGatewayName, peer, null, conf.Mtu > 0 ? conf.Mtu : null); }
        catch (PodnetLinuxException e) when (e.Errno == Errno.EEXIST) { return host.FindLink(VlanGatewayName)!; }
        host.SetMaster(peer, br.Index);
        host.AddBridgeVlan(peer, (ushort)conf.Vlan, pvid: true, untagged: true);
        host.SetUp(peer);
        host.SetUp(VlanGatewayName);
        return host.GetLink(VlanGatewayName);
    }

    /// <summary>With a prevResult (chained after another plugin) our interfaces and addresses are appended to it.</summary>
    CniResult Merge(CniResult? prev, List<CniInterface> ifs, List<IpConfig> ips, List<CniRoute> routes, CniDns? dns)
    {
        if (prev is null) return new CniResult(conf.CniVersion, ifs, ips, routes, dns);
        int offset = prev.Interfaces.Count;
        return new CniResult(conf.CniVersion,
            [.. prev.Interfaces, .. ifs],
            [.. prev.Ips, .. ips.Select(i => i with { Interface = i.Interface + offset })],
            [.. prev.Routes, .. routes],
            dns is { IsEmpty: false } ? dns : prev.Dns);
    }
}
