using System.Net.Http;
using System.Net.Sockets;
using Podnet.Api.Client;
using Podnet.Api.Manifests;
using Podnet.Cli.Args;
using Podnet.Cli.Commands;

namespace Podnet.Cli;

/// <summary>Dispatches a command line to its command and turns every user-facing failure into a
/// clear message and exit code 1 (no stack traces): usage errors, API Status errors printed as
/// kubectl does, manifest errors, an unreachable lab.</summary>
public static class CliApp
{
    public static async Task<int> RunAsync(string[] args, CliContext ctx)
    {
        try
        {
            return await DispatchAsync(args, ctx);
        }
        catch (UsageException e)
        {
            ctx.Err.WriteLine($"error: {e.Message}");
            var cmd = e.HelpCommand ?? (ctx.Command.Length > 0 ? ctx.Command : null);
            ctx.Err.WriteLine(cmd is null ? "See 'podnet --help' for usage." : $"See 'podnet {cmd} --help' for usage.");
            return 1;
        }
        catch (ExitException e)
        {
            if (e.Message.Length > 0) ctx.Err.WriteLine(e.Message);
            return e.Code;
        }
        catch (ApiException e)
        {
            ctx.Err.WriteLine(Errors.FromServer(e));
            return 1;
        }
        catch (ManifestException e)
        {
            ctx.Err.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (HttpRequestException e)
        {
            ctx.Err.WriteLine(Errors.Unreachable(ctx, e));
            return 1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TimeoutException or SocketException)
        {
            ctx.Err.WriteLine($"error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException) when (ctx.Cancel.IsCancellationRequested)
        {
            return 130;
        }
        catch (Exception e)
        {
            // A bug, not a user error: say so briefly; the stack trace only on request.
            ctx.Err.WriteLine($"error: internal error in podnet {ctx.Command}: {e.GetType().Name}: {e.Message}");
            if (ctx.Env("PODNET_DEBUG") is { Length: > 0 }) ctx.Err.WriteLine(e);
            return 1;
        }
    }

    private static async Task<int> DispatchAsync(string[] args, CliContext ctx)
    {
        // The command is the first argument that is neither a global flag nor its value.
        int i = 0;
        while (i < args.Length && args[i].StartsWith('-'))
        {
            var a = args[i];
            if (a is "-h" or "--help") { ctx.Out.Write(Help.TopLevel(CommandTable.All)); return 0; }
            if (a is "--version") { ctx.Out.WriteLine(VersionCommand.Text); return 0; }
            bool takesValue = a is "-n" or "--namespace" or "--lab" or "--socket";
            if (!takesValue && !GlobalFlags.All.Any(f => a.StartsWith("--" + f.Long + "=", StringComparison.Ordinal) || (f.Short is char c && a.StartsWith("-" + c, StringComparison.Ordinal))))
                throw new UsageException($"unknown flag: {a}");
            i += takesValue ? 2 : 1;
        }
        if (i >= args.Length)
        {
            ctx.Out.Write(Help.TopLevel(CommandTable.All));
            return args.Length == 0 ? 0 : 1;
        }
        var name = args[i];
        var spec = CommandTable.Find(name)
            ?? throw new UsageException($"unknown command \"{name}\" for \"podnet\"" + Suggest(name));
        var rest = args.Take(i).Concat(args.Skip(i + 1)).ToArray();
        if (spec.Raw is not null) return await spec.Raw(args.Skip(i + 1).ToArray(), ctx.Cancel);

        var path = spec.Name;
        if (spec.Subcommands is { Count: > 0 } subs)
        {
            // The first positional picks the subcommand (flags may come before it).
            var parsed0 = ArgParser.Parse(rest, [.. spec.Flags, .. subs.SelectMany(s => s.Flags).DistinctBy(f => f.Long), .. GlobalFlags.All], spec.Name);
            if (parsed0.Bool("help") && parsed0.Positionals.Count == 0) { ctx.Out.Write(Help.For(spec, path)); return 0; }
            if (parsed0.Positionals.Count == 0)
                throw new UsageException($"\"podnet {spec.Name}\" needs a subcommand: {string.Join(", ", subs.Select(s => s.Name))}", spec.Name);
            var subName = parsed0.Positionals[0];
            var sub = subs.FirstOrDefault(s => s.Name == subName)
                ?? throw new UsageException($"unknown command \"{subName}\" for \"podnet {spec.Name}\" (one of: {string.Join(", ", subs.Select(s => s.Name))})", spec.Name);
            int at = Array.IndexOf(rest, subName);
            rest = rest.Take(at).Concat(rest.Skip(at + 1)).ToArray();
            spec = sub;
            path = $"{path} {sub.Name}";
        }
        ctx.Command = path;
        var parsed = ArgParser.Parse(rest, [.. spec.Flags, .. GlobalFlags.All], path);
        if (parsed.Bool("help")) { ctx.Out.Write(Help.For(spec, path)); return 0; }
        ctx.Args = parsed;
        return await spec.Run(ctx);
    }

    private static string Suggest(string name)
    {
        var close = CommandTable.All.Where(c => !c.Hidden && Distance(c.Name, name) <= 2).Select(c => c.Name).ToList();
        return close.Count == 0 ? "" : $"\n\nDid you mean this?\n\t{string.Join("\n\t", close)}";
    }

    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int x = 0; x <= a.Length; x++) d[x, 0] = x;
        for (int y = 0; y <= b.Length; y++) d[0, y] = y;
        for (int x = 1; x <= a.Length; x++)
            for (int y = 1; y <= b.Length; y++)
                d[x, y] = Math.Min(Math.Min(d[x - 1, y] + 1, d[x, y - 1] + 1), d[x - 1, y - 1] + (a[x - 1] == b[y - 1] ? 0 : 1));
        return d[a.Length, b.Length];
    }
}
