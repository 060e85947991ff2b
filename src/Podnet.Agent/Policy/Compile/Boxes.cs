using System.Buffers.Binary;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Policy.Compile;

/// <summary>
/// Allowed (address range, protocol, port range) triples: peer [<see cref="Start"/>, <see cref="End"/>)
/// (End up to 2^32), ports <see cref="Lo"/>..<see cref="Hi"/> inclusive.
/// </summary>
public readonly record struct Box(ulong Start, ulong End, byte Proto, ushort Lo, ushort Hi);

/// <summary>
/// Makes boxes disjoint for a concatenated interval set (the kernel refuses overlapping elements):
/// per protocol, the address axis is cut at every box edge, each piece gets the merged port ranges of
/// the boxes covering it, and neighbouring pieces with equal port ranges are joined again.
/// </summary>
public static class Boxes
{
    public static List<Box> Disjoint(IEnumerable<Box> boxes)
    {
        var result = new List<Box>();
        foreach (var group in boxes.GroupBy(b => b.Proto).OrderBy(g => g.Key))
        {
            var byStart = group.OrderBy(b => b.Start).ToList();
            var cuts = byStart.SelectMany(b => new[] { b.Start, b.End }).Distinct().Order().ToList();
            var active = new List<Box>();
            int next = 0;
            ulong runStart = 0, runEnd = 0;
            List<(ushort Lo, ushort Hi)> run = [];
            for (int k = 0; k + 1 < cuts.Count; k++)
            {
                ulong s = cuts[k], e = cuts[k + 1];
                active.RemoveAll(b => b.End <= s);
                while (next < byStart.Count && byStart[next].Start <= s) active.Add(byStart[next++]);
                var ports = Merge(active.Where(b => b.Start <= s && b.End >= e).Select(b => (b.Lo, b.Hi)));
                if (run.Count > 0 && runEnd == s && ports.SequenceEqual(run)) { runEnd = e; continue; }
                Flush(result, group.Key, runStart, runEnd, run);
                (runStart, runEnd, run) = (s, e, ports);
            }
            Flush(result, group.Key, runStart, runEnd, run);
        }
        return result;
    }

    private static void Flush(List<Box> into, byte proto, ulong s, ulong e, List<(ushort Lo, ushort Hi)> ports)
    {
        foreach (var (lo, hi) in ports) into.Add(new Box(s, e, proto, lo, hi));
    }

    private static List<(ushort Lo, ushort Hi)> Merge(IEnumerable<(ushort Lo, ushort Hi)> ranges)
    {
        var merged = new List<(ushort Lo, ushort Hi)>();
        foreach (var (lo, hi) in ranges.Order())
        {
            if (merged.Count > 0 && lo <= merged[^1].Hi + 1) merged[^1] = (merged[^1].Lo, Math.Max(merged[^1].Hi, hi));
            else merged.Add((lo, hi));
        }
        return merged;
    }

    /// <summary>The element of an "ipv4_addr . inet_proto . inet_service" interval set: first and last key, inclusive.</summary>
    public static NftElement Element(Box b)
    {
        var first = new byte[4];
        var last = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(first, (uint)b.Start);
        BinaryPrimitives.WriteUInt32BigEndian(last, (uint)(b.End - 1));
        return new NftElement(NftKey.Concat(first, NftKey.Proto(b.Proto), NftKey.Port(b.Lo))) { KeyEnd = NftKey.Concat(last, NftKey.Proto(b.Proto), NftKey.Port(b.Hi)) };
    }
}
