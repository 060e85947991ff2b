using System.Net;
using Podnet.Dns.Wire;

namespace Podnet.Dns.Zone;

/// <summary>One record to precompute. Fields beyond Owner and Type depend on the type.</summary>
internal readonly record struct PendingRecord(
    byte[] Owner, ushort Type, IPAddress? Ip = null, byte[]? Target = null, ushort Port = 0, ushort Weight = 0, string? Text = null);

/// <summary>
/// Writes precomputed response messages (used only while building an index, so it may allocate).
/// Records that would push a message past 64 KiB are left out; UDP clients then get TC and
/// retry over TCP, where the message fits.
/// </summary>
internal sealed class BlobWriter(uint ttl, byte[] zone, byte[] soaRdataNames, uint serial)
{
    private readonly byte[] _buf = new byte[DnsLimits.MaxMessage];
    private readonly ushort[] _table = new ushort[4096];

    public const ushort AnswerFlags = DnsHeader.FlagQr | DnsHeader.FlagAa | DnsHeader.FlagRa;

    public byte[] Build(byte[] qname, ushort qtype, List<PendingRecord> answers, List<PendingRecord>? additional = null, bool soaAnswer = false)
    {
        var w = new DnsWriter(_buf, _table);
        w.WriteHeader(0, AnswerFlags, 1, 0, 0, 0);
        w.Question(qname, qtype, RecordClass.IN);
        int an = 0, ar = 0;
        if (soaAnswer) { WriteSoa(ref w, compress: true); an++; }
        foreach (var r in answers)
        {
            var mark = w.Mark();
            Write(ref w, r);
            if (w.Overflow) { w.Rewind(mark); break; }
            an++;
        }
        if (additional is not null)
            foreach (var r in additional)
            {
                var mark = w.Mark();
                Write(ref w, r);
                if (w.Overflow) { w.Rewind(mark); break; }
                ar++;
            }
        DnsHeader.SetCounts(_buf, 1, an, 0, ar);
        return w.Written.ToArray();
    }

    private void Write(ref DnsWriter w, in PendingRecord r)
    {
        int at = w.BeginRecord(r.Owner, r.Type, RecordClass.IN, ttl);
        switch (r.Type)
        {
            case RecordType.A or RecordType.AAAA: w.Address(r.Ip!); break;
            case RecordType.CNAME or RecordType.PTR or RecordType.NS: w.Name(r.Target!); break;
            case RecordType.SRV:
                w.U16(0);          // priority
                w.U16(r.Weight);
                w.U16(r.Port);
                w.Name(r.Target!, compress: false); // RFC 2782: no compression in the target
                break;
            case RecordType.TXT: w.CharacterString(System.Text.Encoding.ASCII.GetBytes(r.Text!)); break;
        }
        w.EndRecord(at);
    }

    public void WriteSoa(ref DnsWriter w, bool compress)
    {
        int at = w.BeginRecord(zone, RecordType.SOA, RecordClass.IN, ttl, compress);
        // MNAME and RNAME are stored back to back in soaRdataNames.
        int p = 0;
        DnsName.TrySkip(soaRdataNames, ref p);
        w.Name(soaRdataNames.AsSpan(0, p), compress);
        w.Name(soaRdataNames.AsSpan(p), compress);
        w.U32(serial);
        w.U32(7200);  // refresh
        w.U32(1800);  // retry
        w.U32(86400); // expire
        w.U32(ttl);   // minimum: negative answers are cached for the record TTL (RFC 2308 5)
        w.EndRecord(at);
    }

    /// <summary>The SOA record uncompressed, valid after any question (NXDOMAIN/NODATA authority).</summary>
    public byte[] SoaRecord()
    {
        var w = new DnsWriter(_buf, _table);
        WriteSoa(ref w, compress: false);
        return w.Written.ToArray();
    }
}
