namespace Podnet.Linux.Netlink;

/// <summary>A VLAN membership of a bridge port (or of the bridge itself): <c>bridge vlan show</c>.</summary>
/// <param name="Index">The port's ifindex (the bridge's own index for its "self" entries).</param>
/// <param name="Vid">802.1Q VLAN id (1..4094).</param>
/// <param name="Pvid">Untagged ingress frames get this VLAN.</param>
/// <param name="Untagged">Egress frames of this VLAN leave untagged.</param>
public sealed record BridgeVlan(int Index, ushort Vid, bool Pvid, bool Untagged);
