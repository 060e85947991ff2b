using System.Net;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Proxy;

/// <summary>One map or set element owned by a unit.</summary>
public sealed record MapEntry(string Map, NftElement Element)
{
    public string Key => Map + "|" + Element.KeyHex;

    public bool SameValue(MapEntry o) => Element.Verdict == o.Element.Verdict
        && (Element.Data ?? []).AsSpan().SequenceEqual(o.Element.Data ?? [])
        && (Element.KeyEnd ?? []).AsSpan().SequenceEqual(o.Element.KeyEnd ?? []);
}

/// <summary>Everything one service port (or the fixed skeleton) puts into the table.</summary>
public sealed class CompiledUnit
{
    public List<FingerprintedChain> Chains { get; } = [];
    public List<MapEntry> Entries { get; } = [];
    public List<NftSet> Sets { get; } = [];
    /// <summary>Endpoint addresses that need the hairpin entry (shared between services, so counted).</summary>
    public List<IPAddress> Hairpins { get; } = [];
    /// <summary>The longest endpoint list (the skeleton must have a count set for it).</summary>
    public int LargestList { get; set; }

    public static readonly CompiledUnit Empty = new();
}
