using System.Net;
using System.Text.RegularExpressions;

namespace Podnet.Lab;

/// <summary>Every name, address and path of lab <see cref="Lab"/>, as docs/CONTRACTS.md fixes them.
/// One place, so that <c>lab up</c>, the kubelet and <c>lab down</c> agree on what belongs to a lab.</summary>
public sealed partial record LabNames
{
    public const string NodeSubnet = "192.168.80.0/24";
    /// <summary>The second node subnet of the routed topology, behind the router namespace.</summary>
    public const string SecondNodeSubnet = "192.168.81.0/24";
    /// <summary>The fabric's own address on the node network: the nodes' default gateway,
    /// which routes to the outside world's subnet (and nowhere else).</summary>
    public static readonly IPAddress FabricIp = IPAddress.Parse("192.168.80.254");
    public static readonly IPAddress FabricOutsideIp = IPAddress.Parse("203.0.113.1");
    public static readonly IPAddress OutsideIp = IPAddress.Parse("203.0.113.10");
    public const int MaxNodes = 200;
    /// <summary>The cluster's pod CIDR (the control plane's default); the service proxy masquerades service traffic from outside it.</summary>
    public const string ClusterCidr = "10.244.0.0/16";

    public LabNames(string lab)
    {
        if (Problem(lab) is { } p) throw new ArgumentException($"bad lab name \"{lab}\": {p}");
        Lab = lab;
    }

    public string Lab { get; }

    /// <summary>Why <paramref name="lab"/> is not a usable lab name, or null.</summary>
    public static string? Problem(string? lab) =>
        string.IsNullOrEmpty(lab) ? "empty"
        : lab.Length > 20 ? "longer than 20 characters"
        : !NameRegex().IsMatch(lab) ? "use lowercase letters, digits and '-', starting with a letter or digit"
        : lab.Contains("--") || lab.EndsWith('-') ? "no '--' and no trailing '-'"
        : null;

    [GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial Regex NameRegex();

    /// <summary>Every namespace of this lab starts with this.</summary>
    public string NetnsPrefix => $"pn-{Lab}-";
    public string FabricNetns => $"pn-{Lab}-fabric";
    public string OutsideNetns => $"pn-{Lab}-outside";
    public string NodeNetns(int i) => $"pn-{Lab}-node-{i}";
    /// <summary>The router between the two node subnets (routed topology only).</summary>
    public string RouterNetns => $"pn-{Lab}-router";
    /// <summary>The pod's namespace: <c>pn-LAB-p-</c> and the first 8 hex digits of its uid.</summary>
    public string PodNetns(string podUid) => $"pn-{Lab}-p-{PodKey(podUid)}";

    public static string PodKey(string podUid)
    {
        var hex = new string(podUid.Where(Uri.IsHexDigit).Select(char.ToLowerInvariant).ToArray());
        if (hex.Length < 8) throw new ArgumentException($"pod uid \"{podUid}\" has fewer than 8 hex digits");
        return hex[..8];
    }

    /// <summary>Node object name and hostname of node i.</summary>
    public static string NodeName(int i) => $"node-{i}";
    public static IPAddress NodeIp(int i) => NodeIp(i, Topology.LabTopologyKind.Flat);

    /// <summary>Which node subnet node i is on: 0 (192.168.80.0/24) always in the flat topology;
    /// in the routed one nodes alternate, odd ones on 0, even ones on 1 (192.168.81.0/24).</summary>
    public static int NodeSubnetIndex(int i, Topology.LabTopologyKind topology) =>
        topology == Topology.LabTopologyKind.Routed ? (i - 1) % 2 : 0;

    /// <summary>Node i's InternalIP: 192.168.(80+subnet).(10+i).</summary>
    public static IPAddress NodeIp(int i, Topology.LabTopologyKind topology) =>
        IPAddress.Parse($"192.168.{80 + NodeSubnetIndex(i, topology)}.{10 + i}");

    /// <summary>The router's address on node subnet s (the .1 of 192.168.(80+s).0/24).</summary>
    public static IPAddress RouterIp(int subnet) => IPAddress.Parse($"192.168.{80 + subnet}.1");

    /// <summary>Parses "node-3" → 3.</summary>
    public static int? NodeIndex(string? nodeName) =>
        nodeName is not null && nodeName.StartsWith("node-") && int.TryParse(nodeName.AsSpan(5), out int i) && i is >= 1 and <= MaxNodes ? i : null;

    public const string RunRoot = "/run/podnet";
    public const string DataRoot = "/var/lib/podnet";
    public string RunDir => $"{RunRoot}/{Lab}";
    public string DataDir => $"{DataRoot}/{Lab}";
    public string ApiSocket => $"{RunDir}/api.sock";
    public string PidDir => $"{RunDir}/pids";
    public string LogDir => $"{RunDir}/logs";
    public string PodsDir => $"{RunDir}/pods";
    /// <summary>Written last by <c>lab up</c>: the lab is complete when this exists.</summary>
    public string ManifestFile => $"{RunDir}/lab.json";
    /// <summary>Per-node CNI config and IPAM state (the IPAM state is durable like /var/lib/cni).</summary>
    public string NodeCniDir(int i) => $"{DataDir}/cni/node-{i}";
    /// <summary>Node i's network agent state: subnet.env and net.d/ (the conflist podnetd overlay writes).</summary>
    public string NodeAgentDir(int i) => $"{RunDir}/nodes/node-{i}";
    public string NodeSubnetEnv(int i) => $"{NodeAgentDir(i)}/subnet.env";
    public string NodeNetConfDir(int i) => $"{NodeAgentDir(i)}/net.d";
    /// <summary>Pod log and state directory, named like the kubelet's /var/log/pods.</summary>
    public string PodDir(string ns, string pod) => $"{PodsDir}/{ns}_{pod}";
    /// <summary><c>ip netns exec</c> bind-mounts files from here over /etc for processes it starts.</summary>
    public static string EtcNetnsDir(string netns) => $"/etc/netns/{netns}";
}
