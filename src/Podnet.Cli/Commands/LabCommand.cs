using System.Diagnostics;
using Podnet.Cli.Args;
using Podnet.Cli.Connection;
using Podnet.Cli.Output;
using Podnet.Lab.Runtime;

namespace Podnet.Cli.Commands;

/// <summary><c>podnet lab up|down|status|list</c>: builds and removes labs, with progress.</summary>
public static class LabCommand
{
    private static readonly FlagSpec Name = FlagSpec.Value("name", null, "NAME", "lab name (default: $PODNET_LAB, the only lab, or \"podnet\")");

    public static readonly CommandSpec Up = new("up", "Create a lab: fabric, nodes, control plane, node agents, kubelets and cluster DNS",
        "[NAME] [--name NAME] [--nodes N] [--backend B] [--topology T] [flags]",
        [
            Name,
            FlagSpec.Value("nodes", null, "N", "number of nodes (default 3)"),
            FlagSpec.Value("backend", null, "BACKEND", "pod network between nodes, run by podnetd overlay on every node: vxlan (default), host-gw, udp; or routes (plain routes by the kubelets, no agent)"),
            FlagSpec.Value("topology", null, "TOPOLOGY", "node network: flat (one L2 segment, default) or routed (192.168.80.0/24 and 192.168.81.0/24 joined by a router; nodes alternate)"),
            FlagSpec.Bool("no-dns", null, "do not deploy cluster DNS (coredns pods behind kube-dns 10.96.0.10)"),
            FlagSpec.Value("dns-upstream", null, "ADDR[:PORT],...", "where cluster DNS forwards names outside cluster.local (default none: REFUSED at once, the lab has no internet)"),
            FlagSpec.Value("timeout", null, "DURATION", "how long to wait for the nodes to become Ready (default 30s)"),
        ],
        UpAsync);

    public static readonly CommandSpec Down = new("down", "Remove a lab and everything it created", "[NAME] [--name NAME]", [Name], DownAsync);

    public static readonly CommandSpec StatusSpec = new("status", "Show what exists of a lab", "[NAME] [--name NAME]", [Name], StatusAsync);

    public static readonly CommandSpec ListSpec = new("list", "List the labs on this machine", "", [], ListAsync);

    public static readonly CommandSpec AddNodeSpec = new("add-node", "Add a node to a running lab (namespace, agents, kubelet) and wait until it is Ready",
        "[NAME] [--name NAME]", [Name], AddNodeAsync);

    public static readonly CommandSpec RemoveNodeSpec = new("remove-node", "Drain a node and remove it from its lab (its overlay lease is given back)",
        "NODE [--name NAME]", [Name], RemoveNodeAsync);

    public static readonly CommandSpec Spec = new("lab", "Create, remove and inspect labs (clusters made of network namespaces)",
        "(up|down|status|list|add-node|remove-node) [flags]", [], _ => Task.FromResult(1), Subcommands: [Up, Down, StatusSpec, ListSpec, AddNodeSpec, RemoveNodeSpec],
        Examples: """
              podnet lab up                      # 3 nodes, lab "podnet"
              podnet lab up --name demo --nodes 2
              podnet lab up --backend udp --topology routed
              podnet lab status
              podnet lab add-node                # node-4 joins
              podnet lab remove-node node-4      # drained and removed
              podnet lab down demo
            """);

    /// <summary>The lab a lab subcommand acts on: NAME, --name, --lab, $PODNET_LAB, the only existing lab, "podnet".</summary>
    private static string LabName(CliContext ctx, bool forUp)
    {
        var a = ctx.Args;
        if (a.Positionals.Count > 1) throw new UsageException($"unexpected argument \"{a.Positionals[1]}\"");
        if (a.Positionals.Count == 1) return LabLocator.CheckName(a.Positionals[0], "NAME");
        if (a.Value("name") is { Length: > 0 } n) return LabLocator.CheckName(n, "--name");
        if (a.Value("lab") is { Length: > 0 } l) return LabLocator.CheckName(l, "--lab");
        if (ctx.Env("PODNET_LAB") is { Length: > 0 } e) return LabLocator.CheckName(e, "$PODNET_LAB");
        if (!forUp)
        {
            var labs = LabRuntime.List();
            if (labs.Count == 1) return labs[0].Name;
            if (labs.Count > 1) throw new UsageException($"several labs exist ({string.Join(", ", labs.Select(x => x.Name))}): name one");
        }
        return LabLocator.DefaultLab;
    }

    /// <summary>Progress lines with the time since the start: <c>[1.2s] nodes: 3 Ready</c>.</summary>
    private sealed class Progress(TextWriter w, Stopwatch sw) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (w) { w.WriteLine($"[{sw.Elapsed.TotalSeconds,5:0.0}s] {value}"); w.Flush(); }
        }
    }

    private static async Task<int> UpAsync(CliContext ctx)
    {
        var name = LabName(ctx, forUp: true);
        var options = new LabOptions
        {
            Name = name,
            Nodes = ctx.Args.Int("nodes", 3),
            Backend = ctx.Args.Value("backend") ?? new LabOptions().Backend,
            Topology = ctx.Args.Value("topology") switch
            {
                null or "flat" => Podnet.Lab.Topology.LabTopologyKind.Flat,
                "routed" => Podnet.Lab.Topology.LabTopologyKind.Routed,
                var t => throw new UsageException($"--topology: \"{t}\" is not flat or routed"),
            },
            Dns = !ctx.Args.Bool("no-dns"),
            DnsUpstream = ctx.Args.Value("dns-upstream") ?? "none",
            Timeout = Durations.Parse(ctx.Args.Value("timeout") ?? "30s", "--timeout"),
            DaemonCommand = SelfCommand(),
        };
        var sw = Stopwatch.StartNew();
        ctx.Out.WriteLine($"Creating lab \"{name}\": {options.Nodes} node(s), backend {options.Backend}, topology {options.Topology.ToString().ToLowerInvariant()}{(options.Dns ? ", cluster DNS" : "")}");
        try
        {
            var status = await LabRuntime.UpAsync(options, new Progress(ctx.Out, sw), ctx.Cancel);
            ctx.Out.WriteLine($"Lab \"{name}\" is up in {sw.Elapsed.TotalSeconds:0.0}s. API: {status.ApiSocket}");
            ctx.Out.WriteLine(name == LabLocator.DefaultLab
                ? "Try: podnet get nodes -o wide"
                : $"Try: podnet --lab {name} get nodes -o wide   (or export PODNET_LAB={name})");
            return 0;
        }
        catch (LabExistsException e)
        {
            ctx.Err.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (Exception e) when (e is LabException or ArgumentException)
        {
            ctx.Err.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    /// <summary>When this CLI runs as <c>dotnet podnet.dll</c> (not the podnet apphost), the lab's
    /// daemons run the same build the same way; null lets the runtime use the podnet binary.</summary>
    private static IReadOnlyList<string>? SelfCommand()
    {
        var self = Environment.ProcessPath;
        if (self is null || Path.GetFileName(self) == "podnet") return null;
        var dll = typeof(LabCommand).Assembly.Location;
        return Path.GetFileName(self) == "dotnet" && dll.Length > 0 ? [self, dll] : null;
    }

    private static async Task<int> AddNodeAsync(CliContext ctx)
    {
        var name = LabName(ctx, forUp: false);
        var sw = Stopwatch.StartNew();
        try
        {
            int i = await Podnet.Lab.Runtime.LabNodes.AddAsync(name, new Progress(ctx.Out, sw), ctx.Cancel);
            ctx.Out.WriteLine($"node-{i} joined lab \"{name}\" in {sw.Elapsed.TotalSeconds:0.0}s");
            return 0;
        }
        catch (Exception e) when (e is LabException or ArgumentException)
        {
            ctx.Err.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static async Task<int> RemoveNodeAsync(CliContext ctx)
    {
        var a = ctx.Args;
        if (a.Positionals.Count != 1) throw new UsageException("remove-node needs one NODE, e.g. node-4");
        var node = a.Positionals[0];
        int i = Podnet.Lab.LabNames.NodeIndex(node) ?? throw new UsageException($"\"{node}\" is not a lab node name (node-N)");
        var name = a.Value("name") is { Length: > 0 } n ? LabLocator.CheckName(n, "--name")
            : a.Value("lab") is { Length: > 0 } l ? LabLocator.CheckName(l, "--lab")
            : ctx.Env("PODNET_LAB") is { Length: > 0 } e ? LabLocator.CheckName(e, "$PODNET_LAB")
            : LabRuntime.List() is [var only] ? only.Name : LabLocator.DefaultLab;
        var sw = Stopwatch.StartNew();
        try
        {
            await Podnet.Lab.Runtime.LabNodes.RemoveAsync(name, i, new Progress(ctx.Out, sw), ctx.Cancel);
            return 0;
        }
        catch (Exception ex) when (ex is LabException or ArgumentException or Podnet.Api.Client.ApiException or HttpRequestException)
        {
            ctx.Err.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    private static Task<int> DownAsync(CliContext ctx)
    {
        var name = LabName(ctx, forUp: false);
        var sw = Stopwatch.StartNew();
        try
        {
            var before = LabRuntime.Status(name);
            if (!before.Exists)
            {
                ctx.Out.WriteLine($"Lab \"{name}\" does not exist: nothing to remove");
                return Task.FromResult(0);
            }
            ctx.Out.WriteLine($"Removing lab \"{name}\"");
            LabRuntime.Down(name, new Progress(ctx.Out, sw));
            var after = LabRuntime.Status(name);
            if (after.Exists)
            {
                ctx.Err.WriteLine($"error: lab \"{name}\" was not removed completely: {after.Summary}; namespaces left: {string.Join(", ", after.Namespaces)}");
                return Task.FromResult(1);
            }
            return Task.FromResult(0);
        }
        catch (Exception e) when (e is LabException or ArgumentException)
        {
            ctx.Err.WriteLine($"error: {e.Message}");
            return Task.FromResult(1);
        }
    }

    private static Task<int> StatusAsync(CliContext ctx)
    {
        var name = LabName(ctx, forUp: false);
        var s = LabRuntime.Status(name);
        if (!s.Exists)
        {
            ctx.Err.WriteLine($"Lab \"{name}\" does not exist (podnet lab up{(name == LabLocator.DefaultLab ? "" : " --name " + name)})");
            return Task.FromResult(1);
        }
        var w = new Describe.DescribeWriter();
        w.Item(0, "Lab", s.Name);
        w.Item(0, "State", s.Healthy ? "Running" : s.Manifest is null ? "Incomplete" : "Degraded");
        if (s.Manifest is { } m)
        {
            w.Item(0, "Nodes", m.Nodes.ToString());
            w.Item(0, "Backend", m.Backend + (LabBackends.IsOverlay(m.Backend) ? $" (podnetd overlay on every node{(m.PodMtu is { } mtu ? $", pod MTU {mtu}" : "")})" : " (plain routes by the kubelets)"));
            w.Item(0, "Topology", m.Topology);
            w.Item(0, "DNS", m.Dns ? "kube-dns 10.96.0.10 (coredns pods in kube-system)" : "none");
            w.Item(0, "CNI", m.Cni);
            w.Item(0, "Created", $"{Describe.DescribeWriter.Time(m.Created)} ({Age.Since(m.Created, ctx.Clock())} ago)");
        }
        w.Item(0, "API", s.ApiSocket);
        w.Item(0, "Namespaces", s.Namespaces.Count.ToString());
        ctx.Out.Write(w.ToString());
        if (s.Processes.Count > 0)
        {
            ctx.Out.WriteLine("Processes:");
            ctx.Out.Write(TextTable.Render(["  NAME", "PID", "STATE"],
                s.Processes.Select(p => (IReadOnlyList<string>)["  " + p.Name, p.Pid.ToString(), p.Alive ? "running" : "dead"])));
        }
        return Task.FromResult(s.Healthy ? 0 : 1);
    }

    private static Task<int> ListAsync(CliContext ctx)
    {
        var labs = LabRuntime.List();
        if (labs.Count == 0)
        {
            ctx.Err.WriteLine("No labs found (podnet lab up creates one)");
            return Task.FromResult(0);
        }
        var now = ctx.Clock();
        ctx.Out.Write(TextTable.Render(["NAME", "STATUS", "NODES", "BACKEND", "TOPOLOGY", "AGE"], labs.Select(s => (IReadOnlyList<string>)
        [
            s.Name,
            s.Healthy ? "Running" : s.Manifest is null ? "Incomplete" : "Degraded",
            s.Manifest?.Nodes.ToString() ?? "?",
            s.Manifest?.Backend ?? "?",
            s.Manifest?.Topology ?? "?",
            s.Manifest is { } m ? Age.Since(m.Created, now) : "<unknown>",
        ])));
        return Task.FromResult(0);
    }
}
