using Podnet.Api.Client;
using Podnet.Linux;

namespace Podnet.Agent.Hosting;

/// <summary>
/// Runs an API-driven agent (proxy, netpol) until SIGTERM/SIGINT: log lines carry the time and the
/// node, a stop exits 0 leaving the agent's rules in place, and any other failure is logged and exits 1.
/// </summary>
public static class AgentHost
{
    public static async Task<int> RunAsync(AgentArgs args, TextWriter err,
        Func<ApiClient, Action<string>, CancellationToken, Task> run)
    {
        void Log(string m) => err.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {args.Node}: {m}");
        using var stop = new StopSignals();
        try
        {
            using var client = new ApiClient(args.Api);
            await run(client, Log, stop.Token);
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsStopping) { Log($"{args.Command}: stopped (rules left in place)"); return 0; }
        catch (Exception e) { Log($"{args.Command}: fatal: {e.Message}"); return 1; }
    }
}
