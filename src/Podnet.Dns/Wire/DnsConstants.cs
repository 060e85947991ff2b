namespace Podnet.Dns.Wire;

/// <summary>Resource record types we serve or parse (RFC 1035, 3596, 2782, 6891).</summary>
public static class RecordType
{
    public const ushort A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, MX = 15, TXT = 16, AAAA = 28,
        SRV = 33, OPT = 41, IXFR = 251, AXFR = 252, MAILB = 253, MAILA = 254, ANY = 255;

    public static string Name(ushort t) => t switch
    {
        A => "A", NS => "NS", CNAME => "CNAME", SOA => "SOA", PTR => "PTR", MX => "MX", TXT => "TXT",
        AAAA => "AAAA", SRV => "SRV", OPT => "OPT", IXFR => "IXFR", AXFR => "AXFR", ANY => "ANY",
        _ => "TYPE" + t,
    };
}

public static class RecordClass
{
    public const ushort IN = 1, CH = 3, HS = 4, NONE = 254, ANY = 255;
}

public static class RCode
{
    public const int NoError = 0, FormErr = 1, ServFail = 2, NxDomain = 3, NotImp = 4, Refused = 5,
        BadVers = 16;

    public static string Name(int r) => r switch
    {
        NoError => "NOERROR", FormErr => "FORMERR", ServFail => "SERVFAIL", NxDomain => "NXDOMAIN",
        NotImp => "NOTIMP", Refused => "REFUSED", BadVers => "BADVERS", _ => "RCODE" + r,
    };
}

public static class DnsLimits
{
    public const int HeaderSize = 12;
    public const int MaxLabel = 63;
    /// <summary>Maximum name length in wire form, length bytes and root included (RFC 1035 2.3.4).</summary>
    public const int MaxName = 255;
    public const int MaxMessage = 65535;
    public const int MinUdpPayload = 512;
    /// <summary>What we advertise and honour at most over UDP (DNS flag day 2020 value).</summary>
    public const int MaxUdpPayload = 1232;
    public const int MaxPointerHops = 64;
}
