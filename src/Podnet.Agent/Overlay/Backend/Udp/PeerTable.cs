using Podnet.Agent.Overlay.Config;
using Podnet.Agent.Overlay.Subnet;

namespace Podnet.Agent.Overlay.Backend.Udp;

/// <summary>Immutable subnet → node address map for the udp datapath; swapped whole on reconcile so
/// the packet loops read it without locks or allocation.</summary>
public sealed class PeerTable
{
    private readonly Dictionary<uint, uint> _bySubnet;
    private readonly HashSet<uint> _nodes;
    private readonly uint _mask;

    public PeerTable(int subnetLen, IEnumerable<SubnetLease> leases)
    {
        _mask = uint.MaxValue << (32 - subnetLen);
        _bySubnet = new();
        _nodes = new();
        foreach (var l in leases)
        {
            uint node = Ip4.ToUInt(l.PublicIp);
            _bySubnet[Ip4.ToUInt(l.Subnet.BaseAddress) & _mask] = node;
            _nodes.Add(node);
        }
    }

    public int Count => _bySubnet.Count;

    /// <summary>The node address owning <paramref name="dst"/>, or 0.</summary>
    public uint NodeFor(uint dst) => _bySubnet.GetValueOrDefault(dst & _mask);

    /// <summary>True when <paramref name="addr"/> is a known peer node (others' datagrams are dropped).</summary>
    public bool IsPeer(uint addr) => _nodes.Contains(addr);
}
