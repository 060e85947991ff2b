using System.Diagnostics;
using Podnet.Lab.Processes;
using Podnet.Testing;

namespace Podnet.Lab.Tests.Unit;

/// <summary>Killing every process of a namespace, and counting each killed process once.</summary>
public sealed class NetnsProcessesTests
{
    [Fact]
    public void KillAll_kills_every_process_in_the_namespace_and_counts_each_once()
    {
        using var ns = new TestNetns("lab");
        var started = new List<Process>();
        try
        {
            for (int i = 0; i < 3; i++)
                started.Add(Process.Start(new ProcessStartInfo("ip", ["netns", "exec", ns.Name, "sleep", "30"]))!);
            var id = NetnsProcesses.IdOf(ns.Name)!;
            var sw = Stopwatch.StartNew();
            while (NetnsProcesses.In(new HashSet<string> { id }).Count < 3 && sw.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(10);
            var inside = NetnsProcesses.In(new HashSet<string> { id });
            Assert.Equal(started.Select(p => p.Id).Order(), inside.Select(p => p.Pid).Order());

            var killed = NetnsProcesses.KillAll([ns.Name], TimeSpan.FromSeconds(2));
            Assert.Equal(inside.ToHashSet(), killed.ToHashSet());
            Assert.Empty(NetnsProcesses.In(new HashSet<string> { id }));
            Assert.All(started, p => Assert.True(p.WaitForExit(2000), $"sleep {p.Id} is still running"));
        }
        finally
        {
            foreach (var p in started) { if (!p.HasExited) p.Kill(); p.Dispose(); }
        }
    }

    [Fact]
    public void A_process_that_is_still_dying_on_the_next_pass_is_counted_once()
    {
        // What a slow exit looks like to the loop: the killed process is listed again on the next
        // pass (and signalled again) before it is gone.
        var slow = new ProcessRecord(4242, 1);
        var quick = new ProcessRecord(4243, 1);
        var listings = new Queue<List<ProcessRecord>>([[slow, quick], [slow], [slow], []]);
        int signals = 0;
        var killed = NetnsProcesses.KillUntilGone(() => listings.Dequeue(), _ => { signals++; return true; }, TimeSpan.FromSeconds(5));
        Assert.Equal(4, signals);
        Assert.Equal(new HashSet<ProcessRecord> { slow, quick }, killed);
        Assert.Empty(listings);
    }

    [Fact]
    public void A_process_that_had_already_exited_is_not_counted()
    {
        var gone = new ProcessRecord(4244, 1);
        var listings = new Queue<List<ProcessRecord>>([[gone], []]);
        var killed = NetnsProcesses.KillUntilGone(() => listings.Dequeue(), _ => false, TimeSpan.FromSeconds(5));
        Assert.Empty(killed);
    }
}
