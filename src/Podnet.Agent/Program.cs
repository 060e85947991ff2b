// podnetd: the per-node agent. A thin composition root: each feature owns its subcommand.
using Podnet.Agent.Overlay;

return args switch
{
    ["overlay", .. var rest] => await OverlayCommand.RunAsync(rest, Console.Error),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: podnetd overlay …   (per-node subnet lease and vxlan / host-gw / udp backend)\n\n" + OverlayCommand.Usage);
    return 2;
}
