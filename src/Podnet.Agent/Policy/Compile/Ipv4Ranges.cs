using System.Buffers.Binary;
using System.Net;
using Podnet.Agent.Policy.Model;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Policy.Compile;

/// <summary>
/// ipBlocks as disjoint, sorted IPv4 ranges [Start, End) (End up to 2^32), and their encoding as
/// interval-set elements: the kernel refuses overlapping intervals, so blocks are merged first.
/// </summary>
public static class Ipv4Ranges
{
    public static (ulong Start, ulong End) Of(IPNetwork net)
    {
        ulong start = BinaryPrimitives.ReadUInt32BigEndian(net.BaseAddress.GetAddressBytes());
        return (start, start + (1UL << (32 - net.PrefixLength)));
    }

    /// <summary>The union of the blocks, each minus its exceptions, merged.</summary>
    public static List<(ulong Start, ulong End)> Union(IEnumerable<IpBlockInfo> blocks)
    {
        var all = new List<(ulong, ulong)>();
        foreach (var b in blocks)
        {
            var parts = new List<(ulong S, ulong E)> { Of(b.Cidr) };
            foreach (var ex in b.Except)
            {
                var (xs, xe) = Of(ex);
                var next = new List<(ulong, ulong)>();
                foreach (var (s, e) in parts)
                {
                    if (xe <= s || xs >= e) { next.Add((s, e)); continue; }
                    if (s < xs) next.Add((s, xs));
                    if (xe < e) next.Add((xe, e));
                }
                parts = next;
            }
            all.AddRange(parts);
        }
        return Merge(all);
    }

    /// <summary>Sorted, with overlapping and touching ranges joined.</summary>
    public static List<(ulong Start, ulong End)> Merge(IEnumerable<(ulong Start, ulong End)> ranges)
    {
        var merged = new List<(ulong Start, ulong End)>();
        foreach (var (s, e) in ranges.Order())
        {
            if (merged.Count > 0 && s <= merged[^1].End) merged[^1] = (merged[^1].Start, Math.Max(merged[^1].End, e));
            else merged.Add((s, e));
        }
        return merged;
    }

    /// <summary>Interval-set elements: a start element, and an end element flagged interval-end (none at the top of the space).</summary>
    public static List<NftElement> Elements(IEnumerable<(ulong Start, ulong End)> ranges)
    {
        var els = new List<NftElement>();
        foreach (var (s, e) in ranges)
        {
            els.Add(new NftElement(Bytes(s)));
            if (e < 1UL << 32) els.Add(new NftElement(Bytes(e), IntervalEnd: true));
        }
        return els;
    }

    public static ulong Value(IPAddress ip) => BinaryPrimitives.ReadUInt32BigEndian(ip.GetAddressBytes());

    public static bool Contains(List<(ulong Start, ulong End)> ranges, IPAddress ip)
    {
        ulong v = Value(ip);
        foreach (var (s, e) in ranges) if (v >= s && v < e) return true;
        return false;
    }

    private static byte[] Bytes(ulong v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, (uint)v);
        return b;
    }
}
