namespace Podnet.Cni.Bridge;

/// <summary>
/// Deterministic names derived from the attachment, so DEL and GC find what ADD made even when the
/// container namespace (and with it the veth peer) is already gone.
/// </summary>
public static class Names
{
    public const string HostVethPrefix = "pnv";

    /// <summary>Host end of the pod's veth: "pnv" + 8 hex digits of a hash of (containerID, ifname).</summary>
    public static string HostVeth(string containerId, string ifname) => HostVethPrefix + Hash8(containerId + "\n" + ifname);

    /// <summary>nftables chain of one attachment's masquerade rules: "m-" + net hash + attachment hash.</summary>
    public static string MasqChain(string network, string containerId, string ifname) =>
        $"{MasqChainPrefix(network)}{Hash8(containerId + "\n" + ifname)}";

    public static string MasqChainPrefix(string network) => $"m-{Hash8(network)}-";

    /// <summary>FNV-1a 64, folded to 32 bits, as 8 lowercase hex digits (stable across runs and hosts).</summary>
    public static string Hash8(string s)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(s)) { h ^= b; h *= 1099511628211UL; }
        return ((uint)(h ^ (h >> 32))).ToString("x8");
    }
}
