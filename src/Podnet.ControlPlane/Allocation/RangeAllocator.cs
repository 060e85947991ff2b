namespace Podnet.ControlPlane.Allocation;

/// <summary>Thread-safe allocator of integers in [First, Last]. Dynamic allocation scans
/// next-fit from <see cref="DynamicStart"/> (so low "static" values stay free for explicit
/// requests, like Kubernetes' static band) and wraps around; reserved values are only handed out
/// when asked for explicitly.</summary>
public sealed class RangeAllocator
{
    private readonly object _lock = new();
    private readonly System.Collections.BitArray _used;
    private readonly HashSet<long> _reserved;
    private long _cursor;

    public long First { get; }
    public long Last { get; }
    public long DynamicStart { get; }
    public int Count { get; private set; }

    /// <summary>False: always hand out the lowest free value (no rotating cursor).</summary>
    public bool NextFit { get; init; } = true;

    public RangeAllocator(long first, long last, IEnumerable<long>? reserved = null, long? dynamicStart = null)
    {
        if (last < first || last - first >= int.MaxValue) throw new ArgumentException("bad range");
        First = first;
        Last = last;
        DynamicStart = Math.Clamp(dynamicStart ?? first, first, last);
        _cursor = DynamicStart;
        _used = new System.Collections.BitArray((int)(last - first + 1));
        _reserved = [.. reserved ?? []];
    }

    public bool InRange(long v) => v >= First && v <= Last;

    public bool IsAllocated(long v)
    {
        lock (_lock) return InRange(v) && _used[(int)(v - First)];
    }

    /// <summary>Takes a specific value; false if it is outside the range or already taken.</summary>
    public bool TryAllocate(long v)
    {
        lock (_lock)
        {
            if (!InRange(v) || _used[(int)(v - First)]) return false;
            _used[(int)(v - First)] = true;
            Count++;
            return true;
        }
    }

    /// <summary>Takes the next free non-reserved value; null when the range is full.</summary>
    public long? AllocateNext()
    {
        lock (_lock)
        {
            var size = Last - First + 1;
            if (!NextFit) _cursor = DynamicStart;
            for (long i = 0; i < size; i++)
            {
                var v = First + ((_cursor - First + i) % size);
                if (_used[(int)(v - First)] || _reserved.Contains(v)) continue;
                _used[(int)(v - First)] = true;
                Count++;
                _cursor = v == Last ? First : v + 1;
                return v;
            }
            return null;
        }
    }

    public void Release(long v)
    {
        lock (_lock)
        {
            if (!InRange(v) || !_used[(int)(v - First)]) return;
            _used[(int)(v - First)] = false;
            Count--;
        }
    }
}
