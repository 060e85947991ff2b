using Podnet.Linux.Nftables;

namespace Podnet.Agent.Policy.Compile;

/// <summary>A chain and the rules it should hold; the fingerprint of the rules travels as the first rule's comment.</summary>
public sealed class PolicyChain(string name, IReadOnlyList<NftExpr[]> rules, NftBaseChain? baseChain = null)
{
    public const string FingerprintPrefix = "podnet:";
    private static readonly NftTable Placeholder = new(NftFamily.Ip, "");

    public string Name { get; } = name;
    public NftBaseChain? Base { get; } = baseChain;
    public IReadOnlyList<NftExpr[]> Rules { get; } = rules;

    private string? _fp;
    public string Fingerprint => _fp ??= NftFingerprint.Of(Rules.Select(r => new NftRule(Placeholder, "", r)));

    /// <summary>The fingerprint of a chain without rules.</summary>
    public static readonly string EmptyFingerprint = NftFingerprint.Of([]);

    public IEnumerable<NftRule> ToRules(NftTable table)
    {
        for (int i = 0; i < Rules.Count; i++)
            yield return new NftRule(table, Name, Rules[i], i == 0 ? FingerprintPrefix + Fingerprint : null);
    }
}

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
    public List<PolicyChain> Chains { get; } = [];
    public List<SetContent> Sets { get; } = [];
    public List<MapEntry> Entries { get; } = [];
}
