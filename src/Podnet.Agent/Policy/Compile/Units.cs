using Podnet.Linux.Nftables;

namespace Podnet.Agent.Policy.Compile;

/// <summary>A named set (or map) and the elements it should hold.</summary>
public sealed record SetContent(NftSet Def, IReadOnlyList<NftElement> Elements);

/// <summary>
/// An element of a set shared by many units: a dispatch map entry (a pod IP going to its class's
/// chain) or a plain element (<see cref="Verdict"/> null, e.g. a pod's own address pair).
/// </summary>
public sealed record MapEntry(string Map, byte[] Key, NftVerdict? Verdict)
{
    public string Id => Map + "|" + Convert.ToHexString(Key);
}

/// <summary>Everything one unit (the skeleton, one class, one local pod) puts into the table.</summary>
public sealed class UnitOutput
{
    public List<FingerprintedChain> Chains { get; } = [];
    public List<SetContent> Sets { get; } = [];
    public List<MapEntry> Entries { get; } = [];
}
