using System.Diagnostics;

namespace Podnet.Cni.Commands;

/// <summary>Step timings on stderr when PODNET_CNI_TRACE=1 (used to find where a call spends its time).</summary>
public static class Trace
{
    static readonly bool On = Environment.GetEnvironmentVariable("PODNET_CNI_TRACE") == "1";
    static readonly long Start = Stopwatch.GetTimestamp();

    public static void Mark(string step)
    {
        if (On) Stderr.Instance.WriteLine($"trace {Stopwatch.GetElapsedTime(Start).TotalMilliseconds,8:F3} ms {step}");
    }
}
