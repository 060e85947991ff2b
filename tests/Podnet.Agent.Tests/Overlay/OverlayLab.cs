using System.Net;
using System.Net.Sockets;
using Podnet.Agent.Overlay;
using Podnet.Agent.Overlay.Config;
using Podnet.Agent.Overlay.Subnet;
using Podnet.Linux.Netlink;
using Podnet.Testing;

namespace Podnet.Agent.Tests.Overlay;

/// <summary>
/// A throwaway cluster network in real namespaces: a fabric namespace with bridge br0 (the node
/// network 192.168.80.0/24, or two subnets behind a router namespace), node namespaces with eth0
/// on it, an in-process <see cref="OverlayAgent"/> per node, and per node one pod namespace behind
/// a cni0 bridge in the node's leased subnet, at the MTU the agent advertises. Everything is
/// removed on dispose.
/// </summary>
public sealed class OverlayLab : IAsyncDisposable
{
    private readonly List<TestNetns> _all = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("pnt-overlay-").FullName;
    public TestNetns Fabric { get; }
    public TestNetns? Router { get; }
    public NetworkConfig Config { get; }
    public TestApi Api { get; private set; } = null!;
    public List<LabNode> Nodes { get; } = [];
    public List<string> Log { get; } = [];

    /// <summary>Starts a real control plane and the fabric.</summary>
    /// <param name="fabricGso">above 0: the fabric and node uplinks carry GSO/GRO super-packets of
    /// this size (BIG TCP above 64 KiB), as the lab's fabric does.</param>
    public static async Task<OverlayLab> StartAsync(NetworkConfig config, bool routed = false, int fabricGso = 0)
    {
        var lab = new OverlayLab(config, routed) { FabricGso = fabricGso };
        try { lab.Api = await TestApi.StartAsync(); }
        catch { await lab.DisposeAsync(); throw; }
        return lab;
    }

    private OverlayLab(NetworkConfig config, bool routed)
    {
        Config = config;
        try
        {
            Fabric = Track(new TestNetns("ovf"));
            Fabric.Ip("link", "add", "br0", "type", "bridge").Check();
            Fabric.Ip("link", "set", "br0", "up").Check();
            if (routed)
            {
                // Second node subnet 192.168.81.0/24 on br1, joined to br0's by a router namespace.
                Router = Track(new TestNetns("ovr"));
                Fabric.Ip("link", "add", "br1", "type", "bridge").Check();
                Fabric.Ip("link", "set", "br1", "up").Check();
                for (int s = 0; s < 2; s++)
                {
                    Sh.Run("ip", "-n", Fabric.Name, "link", "add", $"rt{s}", "type", "veth", "peer", "name", $"eth{s}", "netns", Router.Name).Check();
                    Fabric.Ip("link", "set", $"rt{s}", "master", $"br{s}", "up").Check();
                    Router.Ip("addr", "add", $"192.168.{80 + s}.1/24", "dev", $"eth{s}").Check();
                    Router.Ip("link", "set", $"eth{s}", "up").Check();
                }
                Router.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1").Check();
            }
        }
        catch
        {
            DisposeNamespaces(); // a constructor that throws is never disposed
            throw;
        }
    }

    public int FabricGso { get; private init; }

    public static void SetGso(TestNetns ns, string link, int size)
    {
        using var rt = Rtnl.Open(ns.Ns);
        rt.SetGsoMaxSize(link, size);
    }

    private TestNetns Track(TestNetns ns) { lock (_all) _all.Add(ns); return ns; }

    /// <summary>Adds node i (address 192.168.80.(10+i), or 192.168.81.(10+i) on the second subnet) and starts its agent.</summary>
    public async Task<LabNode> AddNodeAsync(int i, int subnet = 0, Func<OverlayOptions, OverlayOptions>? tweak = null, bool agent = true)
    {
        var ns = Track(new TestNetns("ovn"));
        string ip = $"192.168.{80 + subnet}.{10 + i}";
        Sh.Run("ip", "-n", Fabric.Name, "link", "add", $"n{i}", "type", "veth", "peer", "name", "eth0", "netns", ns.Name).Check();
        Fabric.Ip("link", "set", $"n{i}", "master", $"br{subnet}", "up").Check();
        // A bridge allows BIG TCP only once it has ports that do (its ceiling is theirs).
        if (FabricGso > 0) { SetGso(Fabric, $"n{i}", FabricGso); SetGso(Fabric, $"br{subnet}", FabricGso); SetGso(ns, "eth0", FabricGso); }
        ns.Ip("addr", "add", ip + "/24", "dev", "eth0").Check();
        ns.Ip("link", "set", "eth0", "up").Check();
        ns.Ip("link", "set", "lo", "up").Check();
        if (Router is not null) ns.Ip("route", "add", "default", "via", $"192.168.{80 + subnet}.1").Check();
        var node = new LabNode(this, $"node-{i}", ns, IPAddress.Parse(ip), Path.Combine(_dir, $"node-{i}"));
        Nodes.Add(node);
        if (agent) await node.StartAgentAsync(tweak);
        return node;
    }

    /// <summary>Adds a pod namespace behind node's cni0 at address .(10+j) of its subnet.</summary>
    public LabPod AddPod(LabNode node, int j = 0)
    {
        var (subnet, mtu) = node.Agent is { } a ? (a.Lease!.Subnet, a.PodMtu) : node.ReadSubnetEnv();
        var pod = Track(new TestNetns("ovp"));
        var gw = Ip4.Nth(subnet, 1);
        var ip = Ip4.Nth(subnet, (uint)(10 + j));
        if (!node.Ns.Ip("link", "show", "cni0").Ok)
        {
            node.Ns.Ip("link", "add", "cni0", "type", "bridge").Check();
            node.Ns.Ip("addr", "add", $"{gw}/{subnet.PrefixLength}", "dev", "cni0").Check();
            node.Ns.Ip("link", "set", "cni0", "mtu", mtu.ToString(), "up").Check();
        }
        string host = $"veth{j}";
        Sh.Run("ip", "-n", node.Ns.Name, "link", "add", host, "mtu", mtu.ToString(), "type", "veth", "peer", "name", "eth0", "mtu", mtu.ToString(), "netns", pod.Name).Check();
        node.Ns.Ip("link", "set", host, "master", "cni0", "up").Check();
        // As podnet-cni does with the conflist's gsoMaxSize: bridge and both veth ends.
        if (node.Agent is { PodGsoMaxSize: > 65536 and var gso })
        {
            SetGso(node.Ns, "cni0", gso);
            SetGso(node.Ns, host, gso);
            SetGso(pod, "eth0", gso);
        }
        pod.Ip("addr", "add", $"{ip}/{subnet.PrefixLength}", "dev", "eth0").Check();
        pod.Ip("link", "set", "eth0", "up").Check();
        pod.Ip("link", "set", "lo", "up").Check();
        pod.Ip("route", "add", "default", "via", gw.ToString()).Check();
        var p = new LabPod(pod, ip, node, mtu);
        node.Pods.Add(p);
        return p;
    }

    /// <summary>Waits until every running agent has reconciled after all current leases.</summary>
    public async Task SettleAsync()
    {
        foreach (var n in Nodes.Where(n => n.Agent is not null)) await n.WaitReconcileAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try { foreach (var n in Nodes) await n.StopAgentAsync(); }
        finally
        {
            // Namespaces go even when an agent's stop failed: a leaked one outlives the test run.
            DisposeNamespaces();
            if (Api is not null) await Api.DisposeAsync();
            try { Directory.Delete(_dir, true); } catch (IOException) { }
        }
    }

    private void DisposeNamespaces()
    {
        List<TestNetns> all;
        lock (_all) all = [.. _all];
        foreach (var ns in all) ns.Dispose();
    }

    public void Remove(TestNetns ns)
    {
        lock (_all) _all.Remove(ns);
        ns.Dispose();
    }
}

public sealed class LabNode(OverlayLab lab, string name, TestNetns ns, IPAddress ip, string dir)
{
    private CancellationTokenSource? _cts;
    private Task? _run;
    private Podnet.Api.Client.ApiClient? _client;
    private ApiLeaseStore? _store;
    public string Name => name;
    public TestNetns Ns => ns;
    public IPAddress Ip => ip;
    public string Dir => dir;
    public OverlayAgent? Agent { get; private set; }
    public List<LabPod> Pods { get; } = [];
    public Task? Run => _run;
    public string SubnetFile => Path.Combine(dir, "subnet.env");

    /// <summary>Subnet and MTU from the subnet.env a podnetd process wrote.</summary>
    public (IPNetwork, int) ReadSubnetEnv()
    {
        var kv = File.ReadAllLines(SubnetFile).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        var s = IPNetwork.Parse(kv["FLANNEL_SUBNET"]);
        return (new IPNetwork(Ip4.Mask(s.BaseAddress, s.PrefixLength), s.PrefixLength), int.Parse(kv["FLANNEL_MTU"]));
    }

    public async Task StartAgentAsync(Func<OverlayOptions, OverlayOptions>? tweak = null)
    {
        var opt = new OverlayOptions
        {
            Config = lab.Config, NodeName = name, Iface = "eth0", SubnetFile = Path.Combine(dir, "subnet.env"),
            CniConfDir = dir, Resync = TimeSpan.FromSeconds(5),
        };
        if (tweak is not null) opt = tweak(opt);
        _cts = new CancellationTokenSource();
        _client = lab.Api.Client();
        _store = new ApiLeaseStore(_client);
        Agent = new OverlayAgent(opt, _store, ns.Ns, m => { lock (lab.Log) lab.Log.Add($"{name}: {m}"); });
        _run = Task.Run(() => Agent.RunAsync(_cts.Token));
        try { await Agent.Ready.WaitAsync(TimeSpan.FromSeconds(20)); }
        catch (Exception e)
        {
            string log;
            lock (lab.Log) log = string.Join("\n", lab.Log);
            throw new InvalidOperationException($"agent of {name} did not become ready: {e.Message}\n{log}", e);
        }
    }

    /// <summary>Waits for a reconcile pass that starts after now.</summary>
    public async Task WaitReconcileAsync()
    {
        int start = Agent!.Reconciles;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (Agent.Reconciles < start + 1 && DateTime.UtcNow < deadline)
        {
            if (_run!.IsFaulted) await _run;
            await Task.Delay(20);
        }
        if (Agent.Reconciles < start + 1) throw new TimeoutException($"agent of {name} did not reconcile");
    }

    public async Task StopAgentAsync()
    {
        if (Agent is null) return;
        _cts!.Cancel();
        try { await _run!; } catch (OperationCanceledException) { } catch (Exception) { }
        await Agent.DisposeAsync();
        Agent = null;
        if (_store is not null) await _store.DisposeAsync();
        _client?.Dispose();
    }
}

public sealed record LabPod(TestNetns Ns, IPAddress Ip, LabNode Node, int Mtu)
{
    public override string ToString() => $"{Ns.Name}({Ip} on {Node.Name})";
}
