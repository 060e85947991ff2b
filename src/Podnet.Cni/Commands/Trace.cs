using System.Diagnostics;

namespace Podnet.Cni.Commands;

/// <summary>
/// Step timings on stderr when PODNET_CNI_TRACE=1 (used to find where a call spends its time). With
/// PODNET_CNI_T0 set by the caller to its CLOCK_MONOTONIC time in ns just before fork/exec (the clock
/// Stopwatch uses on Linux), each line also gives the time since then, so process start-up shows.
/// </summary>
public static class Trace
{
    static readonly bool On = Environment.GetEnvironmentVariable("PODNET_CNI_TRACE") == "1";
    static readonly long Start = Stopwatch.GetTimestamp();
    static readonly long T0 = long.TryParse(Environment.GetEnvironmentVariable("PODNET_CNI_T0"), out var t) ? t : 0;

    public static void Mark(string step)
    {
        if (!On) return;
        long now = Stopwatch.GetTimestamp();
        string since = T0 > 0 && Stopwatch.Frequency == 1_000_000_000 ? $" ({(now - T0) / 1e6,7:F3} ms since exec)" : "";
        Stderr.Instance.WriteLine($"trace {Stopwatch.GetElapsedTime(Start, now).TotalMilliseconds,8:F3} ms{since} {step}");
    }
}
