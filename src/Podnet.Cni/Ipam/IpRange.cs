using System.Net;
using Podnet.Cni.Spec;

namespace Podnet.Cni.Ipam;

/// <summary>One host-local range: a subnet with optional start/end/gateway, defaults as host-local.</summary>
public sealed record IpRange(Cidr Subnet, IPAddress Start, IPAddress End, IPAddress Gateway)
{
    /// <summary>Validates and fills defaults: start = network+1, end = last-1, gateway = network+1.</summary>
    public static IpRange Create(string subnet, string? start, string? end, string? gateway, string what)
    {
        var s = Cidr.Parse(subnet, $"{what}.subnet");
        if (s.Prefix > s.Bits - 2)
            throw new CniException(CniErrorCode.InvalidConfig, $"invalid subnet in {what}", $"network {s} too small to allocate from");
        if (!s.Address.Equals(s.Network))
            throw new CniException(CniErrorCode.InvalidConfig, $"invalid subnet in {what}",
                $"network {s} has host bits set; for a prefix length of {s.Prefix} the network address is {s.Network}");
        var gw = gateway is { Length: > 0 } ? IpMath.ParseIp(gateway, $"{what}.gateway") : IpMath.Next(s.Network);
        var first = start is { Length: > 0 } ? IpMath.ParseIp(start, $"{what}.rangeStart") : IpMath.Next(s.Network);
        var last = end is { Length: > 0 } ? IpMath.ParseIp(end, $"{what}.rangeEnd") : IpMath.Prev(s.Last);
        if (!s.Contains(first))
            throw new CniException(CniErrorCode.InvalidConfig, $"invalid rangeStart in {what}", $"rangeStart {first} not in network {s}");
        if (!s.Contains(last))
            throw new CniException(CniErrorCode.InvalidConfig, $"invalid rangeEnd in {what}", $"rangeEnd {last} not in network {s}");
        if (IpMath.Compare(first, last) > 0)
            throw new CniException(CniErrorCode.InvalidConfig, $"invalid range in {what}", $"rangeStart {first} is after rangeEnd {last}");
        return new IpRange(s, first, last, gw);
    }

    public bool IsV4 => Subnet.IsV4;

    public bool Contains(IPAddress ip)
    {
        ip = IpMath.Canonical(ip);
        return Subnet.Contains(ip) && IpMath.Compare(ip, Start) >= 0 && IpMath.Compare(ip, End) <= 0;
    }

    public bool Overlaps(IpRange o) =>
        IsV4 == o.IsV4 && (Contains(o.Start) || Contains(o.End) || o.Contains(Start) || o.Contains(End));

    public override string ToString() => $"{Start}-{End}";
}

/// <summary>A range set: ranges of one family tried in order (one IP per set per attachment).</summary>
public sealed record RangeSet(IReadOnlyList<IpRange> Ranges)
{
    public bool Contains(IPAddress ip) => Ranges.Any(r => r.Contains(ip));
    public IpRange? RangeFor(IPAddress ip) => Ranges.FirstOrDefault(r => r.Contains(ip));
    public bool Overlaps(RangeSet o) => Ranges.Any(a => o.Ranges.Any(a.Overlaps));
    public override string ToString() => string.Join(",", Ranges);
}
