using Podnet.Dns.Wire;

namespace Podnet.Dns.Zone;

/// <summary>
/// Everything the zone holds for one name: a complete, precomputed response message per type
/// (header, canonical question, records). Serving copies one, patches the ID, flags and the
/// question's letter case. A name with no blobs is an empty non-terminal (NODATA).
/// </summary>
public sealed class NameEntry
{
    public byte[]? A, Aaaa, Cname, Srv, Ptr, Txt, Soa, Ns;
    /// <summary>PTR targets kept so two services sharing an IP merge into one RRset.</summary>
    internal byte[][]? PtrTargets;

    public byte[]? For(ushort qtype)
    {
        if (Cname is not null) return Cname; // CNAME answers every type (RFC 1034 3.6.2)
        return qtype switch
        {
            RecordType.A => A,
            RecordType.AAAA => Aaaa,
            RecordType.SRV => Srv,
            RecordType.PTR => Ptr,
            RecordType.TXT => Txt,
            RecordType.SOA => Soa,
            RecordType.NS => Ns,
            // RFC 8482: a minimal answer to ANY, one RRset that exists.
            RecordType.ANY => A ?? Aaaa ?? Srv ?? Ptr ?? Txt ?? Soa,
            _ => null,
        };
    }

    public bool IsEmpty => A is null && Aaaa is null && Cname is null && Srv is null && Ptr is null && Txt is null && Soa is null && Ns is null;
}
