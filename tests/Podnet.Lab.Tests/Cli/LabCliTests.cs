using System.Security.Cryptography;
using Podnet.Lab.Runtime;

namespace Podnet.Lab.Tests.Cli;

/// <summary>The lab commands end to end on a real 2-node lab: <c>lab up</c> with progress, a second
/// <c>lab up</c> refused, <c>lab list/status</c>, apply, <c>exec</c> (exit codes of the command),
/// <c>logs</c>, a graceful pod delete through the kubelet, and <c>lab down</c>. The lab is named
/// <c>t</c> + 6 hex digits (namespaces <c>pn-t…</c>) and removed even when the test fails.</summary>
public sealed class LabCliTests : IAsyncLifetime
{
    private readonly string _lab = "t" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pnt-cli-lab-" + Guid.NewGuid().ToString("N")[..8]);

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        LabRuntime.Down(_lab);
        Directory.Delete(_dir, true);
        return Task.CompletedTask;
    }

    private async Task<CliResult> Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        using var ctx = new Podnet.Cli.CliContext(o, e, new StringReader(""), env: n => n == "PODNET_LAB" ? _lab : Environment.GetEnvironmentVariable(n));
        var code = await Podnet.Cli.CliApp.RunAsync(args, ctx);
        return new CliResult(code, o.ToString(), e.ToString());
    }

    private static void Ok(CliResult r) => Assert.True(r.Exit == 0, r.ToString());

    private const string Pods = """
        apiVersion: v1
        kind: Pod
        metadata: {name: web, labels: {app: web}}
        spec:
          nodeName: node-1
          containers:
          - name: srv
            image: agnhost
            command: [agnhost, netexec, --http-port=8080]
          - name: side
            image: agnhost
            command: [agnhost, netexec, --http-port=8090]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: client}
        spec:
          nodeName: node-2
          containers:
          - name: c
            image: agnhost
            command: [agnhost, netexec, --http-port=8080]
        """;

    [Fact]
    public async Task Lab_up_exec_logs_delete_down()
    {
        var up = await Run("lab", "up", "--name", _lab, "--nodes", "2");
        Ok(up);
        Assert.Contains($"Creating lab \"{_lab}\": 2 node(s)", up.Out);
        Assert.Matches(@"\[\s*\d+\.\ds\] nodes: 2 Ready", up.Out);
        Assert.Contains($"Lab \"{_lab}\" is up", up.Out);

        var again = await Run("lab", "up", "--name", _lab);
        Assert.Equal(1, again.Exit);
        Assert.Contains($"lab \"{_lab}\" already exists", again.Err);

        var list = await Run("lab", "list");
        Ok(list);
        Assert.Matches($@"{_lab}\s+Running\s+2\s+", list.Out);
        var status = await Run("lab", "status", _lab);
        Ok(status);
        Assert.Matches(@"State:\s+Running", status.Out);
        Assert.Matches(@"Backend:\s+vxlan \(podnetd overlay on every node, pod MTU 1450\)", status.Out);
        Assert.Matches(@"DNS:\s+kube-dns 10\.96\.0\.10", status.Out);
        Assert.Matches(@"overlay-node-2\s+\d+\s+running", status.Out);

        var nodes = await Run("get", "nodes", "-o", "wide");
        Ok(nodes);
        Assert.Matches(@"node-1\s+Ready\s+.*192\.168\.80\.11\s+<none>\s+.*10\.244\.\d+\.0/24", nodes.Out);

        var manifest = Path.Combine(_dir, "pods.yaml");
        File.WriteAllText(manifest, Pods);
        Ok(await Run("apply", "-f", manifest));
        string webIp = "";
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var r = await Run("get", "pods", "-o", "jsonpath={range .items[*]}{.metadata.name}={.status.phase}/{.status.podIP};{end}");
            if (r.Out.Contains("web=Running/10.") && r.Out.Contains("client=Running/10."))
            {
                webIp = r.Out.Split(';').First(x => x.StartsWith("web=")).Split('/')[1];
                break;
            }
            await Task.Delay(200);
        }
        Assert.True(webIp.Length > 0, "pods did not become Running: " + (await Run("get", "pods", "-o", "wide")).Out);

        // exec: the command's exit code, cross-node reachability, both containers' servers.
        var ok = await Run("exec", "client", "--", "agnhost", "connect", $"{webIp}:8080", "--timeout", "2s");
        Assert.True(ok.Exit == 0, ok.ToString());
        Ok(await Run("exec", "client", "--", "agnhost", "connect", $"{webIp}:8090", "--timeout", "2s"));
        var refused = await Run("exec", "client", "--", "agnhost", "connect", $"{webIp}:9999", "--timeout", "2s");
        Assert.Equal(1, refused.Exit);
        var seven = await Run("exec", "web", "-c", "side", "--", "sh", "-c", "echo out; echo err >&2; exit 7");
        Assert.Equal(7, seven.Exit);
        Assert.Equal("out\n", seven.Out);
        Assert.Contains("err\n", seven.Err);
        var hostname = await Run("exec", "web", "--", "hostname");
        Assert.Contains("Defaulted container \"srv\" out of: srv, side", hostname.Err);

        var badContainer = await Run("exec", "web", "-c", "nope", "--", "true");
        Assert.Equal(1, badContainer.Exit);
        Assert.Contains("container nope is not valid for pod web", badContainer.Err);
        var missing = await Run("exec", "ghost", "--", "true");
        Assert.Equal(1, missing.Exit);
        Assert.Equal("Error from server (NotFound): pods \"ghost\" not found\n", missing.Err);

        var logs = await Run("logs", "web", "-c", "side");
        Ok(logs);
        Assert.Contains("netexec: http 8090", logs.Out);
        var logs2 = await Run("logs", "web", "srv", "--tail", "1");
        Ok(logs2);
        Assert.Contains("netexec: http 8080", logs2.Out);

        // A graceful delete: the kubelet stops the containers, the CLI waits until the pod is gone.
        var del = await Run("delete", "pod", "web", "--timeout", "30s");
        Ok(del);
        Assert.Equal("pod \"web\" deleted\n", del.Out);
        Assert.Equal(1, (await Run("get", "pod", "web")).Exit);

        // A node joins and leaves.
        var add = await Run("lab", "add-node");
        Ok(add);
        Assert.Contains($"node-3 joined lab \"{_lab}\"", add.Out);
        Assert.Matches(@"node-3\s+Ready\s+.*192\.168\.80\.13", (await Run("get", "nodes", "-o", "wide")).Out);
        var remove = await Run("lab", "remove-node", "node-3");
        Ok(remove);
        Assert.Contains("node-3 removed", remove.Out);
        Assert.DoesNotContain("node-3", (await Run("get", "nodes")).Out);
        var noSuch = await Run("lab", "remove-node", "node-9");
        Assert.Equal(1, noSuch.Exit);
        Assert.Contains($"lab \"{_lab}\" has no node node-9", noSuch.Err);
        var notANode = await Run("lab", "remove-node", "web");
        Assert.NotEqual(0, notANode.Exit);
        Assert.Contains("\"web\" is not a lab node name", notANode.Err);

        var down = await Run("lab", "down", _lab);
        Ok(down);
        Assert.Contains($"lab \"{_lab}\" removed", down.Out);
        var gone = await Run("lab", "status", _lab);
        Assert.Equal(1, gone.Exit);
        Assert.Contains("does not exist", gone.Err);
        Assert.False(LabRuntime.Status(_lab).Exists);
    }
}
