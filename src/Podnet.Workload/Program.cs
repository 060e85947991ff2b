using Podnet.Workload;
using Podnet.Workload.Connect;
using Podnet.Workload.Netexec;

// podnet-agnhost: the lab's built-in workload, in the spirit of Kubernetes' agnhost.
//   netexec  — HTTP (/hostname /echo /clientip /healthz), TCP echo and UDP echo servers
//   connect  — a probe: exit 0 when HOST:PORT is reachable over TCP or UDP, 1 when not
if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.Out.Write(Usage.Text);
    return args.Length == 0 ? 2 : 0;
}
try
{
    return args[0] switch
    {
        "netexec" => await NetexecCommand.RunAsync(args[1..]),
        "connect" => await ConnectCommand.RunAsync(args[1..]),
        _ => throw new UsageException($"unknown subcommand \"{args[0]}\" (want netexec or connect)"),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine($"podnet-agnhost: {e.Message}");
    Console.Error.Write(Usage.Text);
    return 2;
}
