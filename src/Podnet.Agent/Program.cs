// podnetd: the per-node agent. A thin composition root: each feature owns its subcommand.
using Podnet.Agent.Overlay;
using Podnet.Agent.Proxy;
using Podnet.Agent.Policy;

return args switch
{
    ["overlay", .. var rest] => await OverlayCommand.RunAsync(rest, Console.Error),
    ["proxy", .. var rest] => await ProxyCommand.RunAsync(rest, Console.Error),
    ["netpol", .. var rest] => await NetpolCommand.RunAsync(rest, Console.Error),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: podnetd overlay …   (per-node subnet lease and vxlan / host-gw / udp backend)\n\n" + OverlayCommand.Usage + "\n" + ProxyCommand.Usage + "\n" + NetpolCommand.Usage);
    return 2;
}
