namespace Podnet.Linux.Nftables;

/// <summary>
/// The seam between rule-set logic (service proxy, network policy, CNI masquerade) and the kernel:
/// <see cref="NftClient"/> speaks nf_tables netlink; <see cref="NftFake"/> keeps an in-memory model for unit tests.
/// </summary>
public interface INftRunner
{
    /// <summary>Applies every command atomically. Throws <see cref="NftablesException"/> naming the failing object; nothing is applied then.</summary>
    void Apply(NftTransaction tx);

    /// <summary>Lists a table's chains, rules, sets and (optionally) elements; null when the table does not exist.</summary>
    NftTableState? List(NftTable table, bool withElements = true);
}
