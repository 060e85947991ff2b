using Podnet.Agent.Policy.Compile;

namespace Podnet.Agent.Tests.Policy;

/// <summary>
/// Property test of <see cref="Boxes.Disjoint"/>: for random small sets of (address range × protocol
/// × port range) boxes (fixed seed), the output pieces never overlap and cover exactly the union of
/// the input, checked point by point on every edge and its neighbours, including the top of the
/// address space (End = 2^32) and ports 0 and 65535.
/// </summary>
public sealed class BoxesPropertyTests
{
    private const ulong Top = 1UL << 32;

    [Fact]
    public void DisjointPiecesCoverExactlyTheUnion()
    {
        var rng = new Random(2024);
        for (int round = 0; round < 2000; round++)
        {
            var input = Enumerable.Range(0, rng.Next(1, 7)).Select(_ => RandomBox(rng)).ToList();
            var output = Boxes.Disjoint(input);
            var addrs = input.SelectMany(b => new[] { b.Start, b.End }).SelectMany(v => new[] { v - 1, v, v + 1 })
                .Where(v => v < Top).Append(0UL).Append(Top - 1).Distinct().ToList();
            var ports = input.SelectMany(b => new[] { b.Lo - 1, b.Lo, b.Lo + 1, b.Hi - 1, b.Hi, b.Hi + 1 })
                .Where(v => v is >= 0 and <= 65535).Append(0).Append(65535).Distinct().ToList();
            foreach (var o in output)
            {
                Assert.True(o.Start < o.End && o.End <= Top && o.Lo <= o.Hi, $"round {round}: bad piece {o}");
                // Each piece must be encodable: first and last key inclusive.
                var el = Boxes.Element(o);
                Assert.Equal(12, el.Key.Length);
            }
            foreach (var a in addrs)
                foreach (byte proto in new byte[] { 6, 17, 132 })
                    foreach (var p in ports)
                    {
                        bool In(Box b) => b.Start <= a && a < b.End && b.Proto == proto && b.Lo <= p && p <= b.Hi;
                        int hits = output.Count(In);
                        Assert.True(hits <= 1, $"round {round}: {a} {proto}/{p} in {hits} pieces; input {string.Join(", ", input)}");
                        Assert.True(input.Any(In) == (hits == 1), $"round {round}: {a} {proto}/{p}: input {input.Any(In)}, pieces {hits}; input {string.Join(", ", input)}");
                    }
        }
    }

    private static Box RandomBox(Random rng)
    {
        // Small coordinates so that boxes overlap often; sometimes the edges of the space.
        ulong start = rng.Next(4) == 0 ? 0 : (ulong)rng.Next(0, 20);
        ulong end = rng.Next(4) == 0 ? Top : start + (ulong)rng.Next(1, 10);
        if (rng.Next(6) == 0) (start, end) = (Top - (ulong)rng.Next(1, 5), Top);
        byte proto = new byte[] { 6, 17, 132 }[rng.Next(3)];
        int lo = rng.Next(4) == 0 ? 0 : rng.Next(78, 86);
        int hi = rng.Next(4) == 0 ? 65535 : lo + rng.Next(0, 5);
        return new Box(start, end, proto, (ushort)lo, (ushort)hi);
    }
}
