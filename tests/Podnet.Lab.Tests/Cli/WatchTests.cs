namespace Podnet.Lab.Tests.Cli;

/// <summary><c>get -w</c>: the initial table, then one row per change, until cancelled.</summary>
public sealed class WatchTests(CliHarness h) : IClassFixture<CliHarness>
{
    [Fact]
    public async Task Watch_prints_a_row_for_each_change()
    {
        Assert.Equal(0, (await h.RunWithInput("apiVersion: v1\nkind: Namespace\nmetadata: {name: watched}\n", "apply", "-f", "-")).Exit);
        var o = new StringWriter();
        var e = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var ctx = new Podnet.Cli.CliContext(TextWriter.Synchronized(o), e, new StringReader(""), env: n => n == "PODNET_SOCKET" ? h.Socket : null) { Cancel = cts.Token };
        var watch = Podnet.Cli.CliApp.RunAsync(["get", "pods", "-n", "watched", "-w"], ctx);

        await WaitFor(() => o.ToString().StartsWith("NAME"), "the header");
        var pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: w1, namespace: watched}\nspec:\n  containers: [{name: c, image: x}]\n";
        Assert.Equal(0, (await h.RunWithInput(pod, "apply", "-f", "-")).Exit);
        await WaitFor(() => o.ToString().Contains("w1 "), "the ADDED row");
        Assert.Equal(0, (await h.Run("delete", "pod", "w1", "-n", "watched")).Exit);
        await WaitFor(() => o.ToString().Split('\n').Count(l => l.StartsWith("w1 ")) >= 2, "the DELETED row");
        cts.Cancel();
        Assert.Equal(0, await watch);
        var lines = o.ToString().TrimEnd().Split('\n');
        Assert.Matches(@"^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.Matches(@"^w1\s+0/1\s+Pending\s+0\s+\d+s$", l));
    }

    private static async Task WaitFor(Func<bool> check, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!check())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("timed out waiting for " + what);
            await Task.Delay(20);
        }
    }
}
