using Podnet.Cli;

// podnet: the kubectl-like CLI of the lab, and the host of its hidden daemon modes.
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};
using var ctx = new CliContext(Console.Out, Console.Error, Console.In) { Cancel = cts.Token };
return await CliApp.RunAsync(args, ctx);
