using System.Collections.Concurrent;

namespace Podnet.Cni.Tests.Kernel;

public class ConcurrencyTests
{
    [Fact]
    public void Two_hundred_concurrent_adds_then_dels_leave_no_duplicate_ip_file_or_veth()
    {
        using var lab = new CniLab();
        const int pods = 200, callers = 16;
        var conf = lab.Conf(extra: System.Text.Json.Nodes.JsonNode.Parse("""{"isGateway":true}""")!.AsObject());
        var ns = Enumerable.Range(0, pods).Select(_ => lab.Pod()).ToArray();
        var ips = new ConcurrentBag<string>();
        var errors = new ConcurrentBag<string>();
        void Phase(Action<int> call)
        {
            int next = -1;
            Task.WaitAll(Enumerable.Range(0, callers).Select(_ => Task.Run(() =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < pods) call(i);
            })).ToArray());
        }
        Phase(i =>
        {
            var r = lab.Call("ADD", $"pod{i:D3}", ns[i].Path, conf);
            if (r.Exit != 0) errors.Add(r.Stdout); else ips.Add((string)r.Json["ips"]![0]!["address"]!);
        });
        Assert.Empty(errors);
        Assert.Equal(pods, ips.Distinct().Count());
        Assert.Equal(pods, lab.IpFiles().Count);
        // One owner hint per attachment, naming its address (DEL finds it without reading every file).
        Assert.Equal(ips.Select(a => "podnet-ipam:" + a.Split('/')[0]).Order(), lab.OwnerHints());
        Phase(i =>
        {
            var r = lab.Call("DEL", $"pod{i:D3}", ns[i].Path, conf);
            if (r.Exit != 0) errors.Add(r.Stdout);
        });
        Assert.Empty(errors);
        Assert.Empty(lab.IpFiles());
        Assert.Empty(lab.OwnerHints());
        lab.AssertNoVethLeft();
    }
}
