using System.Net;
using Podnet.Cni.Spec;

namespace Podnet.Cni.Ipam;

/// <summary>
/// host-local's allocation order: per range set, start after last_reserved_ip.N (round-robin) or at the
/// first range's start, walk every address of every range once (wrapping), skip gateways and taken ones.
/// </summary>
public static class Allocator
{
    /// <summary>Reserves one address in set; the caller holds the store lock.</summary>
    public static IpConfig Allocate(IIpamStore store, RangeSet set, int setIndex, string id, string ifname, IPAddress? requested)
    {
        if (requested is not null)
        {
            var r = set.RangeFor(requested) ?? throw new CniException(CniErrorCode.InvalidConfig,
                "requested IP address not in range", $"requested IP address {requested} is not in range set {set}");
            if (requested.Equals(r.Gateway))
                throw new CniException(CniErrorCode.InvalidConfig, "requested IP address is the gateway", $"requested ip {requested} is subnet's gateway");
            if (!store.Reserve(id, ifname, requested, setIndex))
                throw new CniException(CniErrorCode.TryAgainLater, "requested IP address is not available",
                    $"requested IP address {requested} is not available in range set {set}");
            return new IpConfig(new Cidr(requested, r.Subnet.Prefix), r.Gateway, null);
        }
        foreach (var (ip, range) in Candidates(set, store.LastReservedIp(setIndex)))
            if (store.Reserve(id, ifname, ip, setIndex))
                return new IpConfig(new Cidr(ip, range.Subnet.Prefix), range.Gateway, null);
        throw new CniException(CniErrorCode.TryAgainLater, "no IP addresses available",
            $"no IP addresses available in range set: {set}");
    }

    /// <summary>Every allocatable address once, in host-local's round-robin order.</summary>
    public static IEnumerable<(IPAddress Ip, IpRange Range)> Candidates(RangeSet set, IPAddress? last)
    {
        int ri = 0;
        UInt128 cur;
        bool startAfter = false;
        if (last is not null && set.RangeFor(last) is { } lr)
        {
            ri = IndexOf(set, lr);
            cur = IpMath.ToUInt128(last);
            startAfter = true;
        }
        else cur = IpMath.ToUInt128(set.Ranges[0].Start);

        // Step to the first candidate, then visit until we are back where we started.
        if (startAfter) Step(set, ref ri, ref cur);
        int startRi = ri; UInt128 start = cur;
        do
        {
            var r = set.Ranges[ri];
            var ip = IpMath.FromUInt128(cur, r.IsV4);
            if (!ip.Equals(r.Gateway)) yield return (ip, r);
            Step(set, ref ri, ref cur);
        } while (!(ri == startRi && cur == start));
    }

    static void Step(RangeSet set, ref int ri, ref UInt128 cur)
    {
        if (cur == IpMath.ToUInt128(set.Ranges[ri].End))
        {
            ri = (ri + 1) % set.Ranges.Count;
            cur = IpMath.ToUInt128(set.Ranges[ri].Start);
        }
        else cur++;
    }

    static int IndexOf(RangeSet set, IpRange r)
    {
        for (int i = 0; i < set.Ranges.Count; i++) if (ReferenceEquals(set.Ranges[i], r)) return i;
        return 0;
    }

    /// <summary>How many addresses of set can be handed out at all (gateways excluded).</summary>
    public static UInt128 Capacity(RangeSet set)
    {
        UInt128 n = 0;
        foreach (var r in set.Ranges)
        {
            n += IpMath.ToUInt128(r.End) - IpMath.ToUInt128(r.Start) + 1;
            if (r.Contains(r.Gateway)) n--;
        }
        return n;
    }
}
