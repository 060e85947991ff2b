namespace Podnet.Linux.Nftables;

/// <summary>
/// A chain and the rules it should hold, for syncers that diff wanted content against the kernel.
/// The fingerprint of the rules travels as the first rule's comment, so after a restart a dump tells
/// which chains already hold what is wanted (<see cref="Read"/>) and nothing needs flushing.
/// </summary>
public sealed class FingerprintedChain(string name, IReadOnlyList<NftExpr[]> rules, NftBaseChain? baseChain = null)
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

    /// <summary>
    /// The fingerprint of every chain in a dumped table: its first rule's comment; a chain without
    /// rules holds the empty content; null when unknown (rules without our comment: rewrite it).
    /// </summary>
    public static Dictionary<string, string?> Read(NftTableState state)
    {
        var chains = state.Chains.Keys.ToDictionary(c => c, _ => (string?)EmptyFingerprint);
        var seen = new HashSet<string>();
        foreach (var r in state.Rules)
        {
            if (!chains.ContainsKey(r.Chain) || !seen.Add(r.Chain)) continue; // only the first rule counts
            chains[r.Chain] = r.Comment is { } cm && cm.StartsWith(FingerprintPrefix) ? cm[FingerprintPrefix.Length..] : null;
        }
        return chains;
    }
}
