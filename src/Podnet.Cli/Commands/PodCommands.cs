using System.Text.Json.Nodes;
using Podnet.Api.Resources;
using Podnet.Cli.Args;
using Podnet.Cli.Output;
using Podnet.Lab.Pods;

namespace Podnet.Cli.Commands;

/// <summary><c>podnet exec POD [-c C] -- CMD...</c> and <c>podnet logs POD [-c C] [-f]</c>: the pod
/// is checked through the API (kubectl's errors), then the lab's sandbox runs the command or
/// supplies the log.</summary>
public static class PodCommands
{
    public static readonly CommandSpec Exec = new(
        "exec", "Run a command in a pod's network namespace (exit code of the command)",
        "POD [-c CONTAINER] -- COMMAND [ARGS...]",
        [
            FlagSpec.Value("container", 'c', "NAME", "container (default: the pod's first)"),
            FlagSpec.Bool("stdin", 'i', "pass standard input to the command"),
            FlagSpec.Bool("tty", 't', "accepted for kubectl compatibility (no terminal is allocated)"),
        ],
        ExecAsync,
        Examples: """
              podnet exec client -- agnhost connect 10.244.2.5:8080 --timeout 1s
              podnet exec coffee-7d9f-abcde -- curl -s http://tea/hostname
              podnet exec -it client -- sh
            """);

    public static readonly CommandSpec Logs = new(
        "logs", "Print the log of a container in a pod",
        "POD [-c CONTAINER] [-f] [--tail N]",
        [
            FlagSpec.Value("container", 'c', "NAME", "container (default: the pod's first)"),
            FlagSpec.Bool("follow", 'f', "keep printing new lines"),
            FlagSpec.Value("tail", null, "N", "only the last N lines"),
        ],
        LogsAsync);

    /// <summary>The pod's lab, namespace, name and container, after kubectl's checks.</summary>
    private static async Task<(string Lab, string Ns, string Pod, string Container)> ResolveAsync(CliContext ctx, string verb, bool needRunning, string? containerArg = null)
    {
        var a = ctx.Args;
        if (a.Positionals.Count == 0) throw new UsageException($"{verb} requires a pod name: podnet {verb} POD{(verb == "exec" ? " -- COMMAND" : "")}");
        var podArg = a.Positionals[0];
        if (podArg.Contains('/'))
        {
            var (type, name) = (podArg[..podArg.IndexOf('/')], podArg[(podArg.IndexOf('/') + 1)..]);
            if (Resources.ResourceTypes.TryResolve(type) != Resources.ResourceTypes.Pods)
                throw new UsageException($"{verb} works on pods; \"{podArg}\" is not a pod (use pod/NAME or NAME)");
            podArg = name;
        }
        var ns = ctx.Namespace;
        var pod = await ctx.Api.GetAsync(ApiResources.Pods, ns, podArg, ctx.Cancel);
        var containers = pod.Objects("spec.containers").Select(c => c.Str("name") ?? "").ToList();
        var container = a.Value("container") ?? containerArg;
        if (container is null)
        {
            container = containers.FirstOrDefault() ?? throw new UsageException($"pod \"{podArg}\" has no containers");
            if (containers.Count > 1)
                ctx.Err.WriteLine($"Defaulted container \"{container}\" out of: {string.Join(", ", containers)}");
        }
        else if (!containers.Contains(container))
            throw new ExitException(1, $"error: container {container} is not valid for pod {podArg} (containers: {string.Join(", ", containers)})");
        var phase = pod.Str("status.phase") ?? "Pending";
        if (needRunning && phase != "Running")
            throw new ExitException(1, phase is "Succeeded" or "Failed"
                ? $"error: cannot exec into a container in a completed pod; current phase is {phase}"
                : $"error: pod \"{podArg}\" is {phase}: cannot exec into it until it is Running (podnet describe pod {podArg} -n {ns})");
        var lab = ctx.Target.Lab;
        if (lab.Length == 0)
            throw new UsageException($"{verb} runs inside the lab's namespaces: name the lab with --lab NAME (the API was given by {ctx.Target.Reason})");
        return (lab, ns, podArg, container);
    }

    private static async Task<int> ExecAsync(CliContext ctx)
    {
        var argv = ctx.Args.AfterDashDash ?? (ctx.Args.Positionals.Count > 1 ? ctx.Args.Positionals.Skip(1).ToList() : null);
        if (argv is null || argv.Count == 0)
            throw new UsageException("you must specify at least one command for the container: podnet exec POD -- COMMAND [ARGS...]");
        if (ctx.Args.AfterDashDash is not null && ctx.Args.Positionals.Count > 1)
            throw new UsageException($"unexpected argument \"{ctx.Args.Positionals[1]}\" before --: podnet exec POD -- COMMAND");
        var (lab, ns, pod, container) = await ResolveAsync(ctx, "exec", needRunning: true);
        try
        {
            if (ReferenceEquals(ctx.Out, Console.Out))
                return await PodExec.RunAsync(lab, ns, pod, container, argv, ctx.Cancel);
            // Not the console (tests, redirected writers): pump the output into our writers.
            using var p = PodExec.Start(lab, ns, pod, container, argv, redirect: true);
            if (!ctx.Args.Bool("stdin")) p.StandardInput.Close();
            else _ = Task.Run(async () => { await p.StandardInput.WriteAsync(await ctx.In.ReadToEndAsync()); p.StandardInput.Close(); });
            var o = p.StandardOutput.ReadToEndAsync(ctx.Cancel);
            var e = p.StandardError.ReadToEndAsync(ctx.Cancel);
            await p.WaitForExitAsync(ctx.Cancel);
            ctx.Out.Write(await o);
            ctx.Err.Write(await e);
            return p.ExitCode;
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or System.ComponentModel.Win32Exception)
        {
            ctx.Err.WriteLine($"error: {e.Message}");
            return 1;
        }
    }

    private static async Task<int> LogsAsync(CliContext ctx)
    {
        // kubectl also takes "logs POD CONTAINER".
        if (ctx.Args.Positionals.Count > 2) throw new UsageException($"unexpected argument \"{ctx.Args.Positionals[2]}\": podnet logs POD [CONTAINER]");
        var containerArg = ctx.Args.Positionals.Count == 2 ? ctx.Args.Positionals[1] : null;
        int? tail = ctx.Args.Value("tail") is null ? null : ctx.Args.Int("tail", 0);
        var (lab, ns, pod, container) = await ResolveAsync(ctx, "logs", needRunning: false, containerArg);
        try
        {
            await PodLogs.WriteAsync(lab, ns, pod, container, ctx.Out, ctx.Args.Bool("follow"), tail, ctx.Cancel);
            return 0;
        }
        catch (OperationCanceledException) when (ctx.Cancel.IsCancellationRequested) { return 0; }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or IOException)
        {
            ctx.Err.WriteLine($"error: {e.Message}");
            return 1;
        }
    }
}
