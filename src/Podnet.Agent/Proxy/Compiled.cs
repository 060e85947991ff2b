using System.Net;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Proxy;

/// <summary>A chain and the rules it should hold. The fingerprint of its rules travels as the first rule's comment.</summary>
public sealed class CompiledChain(string name, IReadOnlyList<NftExpr[]> rules, NftBaseChain? baseChain = null)
{
    public string Name { get; } = name;
    public NftBaseChain? Base { get; } = baseChain;
    public IReadOnlyList<NftExpr[]> Rules { get; } = rules;

    private string? _fp;
    public string Fingerprint => _fp ??= NftFingerprint.Of(Rules.Select(r => new NftRule(Placeholder, "", r)));
    private static readonly NftTable Placeholder = new(NftFamily.Ip, "");

    public const string FingerprintPrefix = "podnet:";

    public IEnumerable<NftRule> ToRules(NftTable table)
    {
        for (int i = 0; i < Rules.Count; i++)
            yield return new NftRule(table, Name, Rules[i], i == 0 ? FingerprintPrefix + Fingerprint : null);
    }
}

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
    public List<CompiledChain> Chains { get; } = [];
    public List<MapEntry> Entries { get; } = [];
    public List<NftSet> Sets { get; } = [];
    /// <summary>Endpoint addresses that need the hairpin entry (shared between services, so counted).</summary>
    public List<IPAddress> Hairpins { get; } = [];
    /// <summary>The longest endpoint list (the skeleton must have a count set for it).</summary>
    public int LargestList { get; set; }

    public static readonly CompiledUnit Empty = new();
}
