using System.Net;
using Podnet.Cni.Commands;
using Podnet.Cni.Config;
using Podnet.Cni.Masquerade;
using Podnet.Cni.Spec;
using Podnet.Linux;
using Podnet.Linux.Netlink;
using Podnet.Linux.Netns;

namespace Podnet.Cni.Bridge;

/// <summary>
/// The bridge mode of podnet-cni, with the reference bridge plugin's options and behaviour. The host
/// side is the namespace the plugin runs in; the container side is CNI_NETNS. All link work is
/// rtnetlink on two sockets (one opened inside the container namespace), no namespace switching.
/// </summary>
public sealed partial class BridgePlugin(CniEnv env, NetConf conf, byte[] stdin, IMasquerade masq, TextWriter log)
{
    public static byte[] Run(CniEnv env, NetConf conf, byte[] stdin)
    {
        var plugin = new BridgePlugin(env, conf, stdin, new NetlinkMasquerade(), Stderr.Instance);
        try
        {
            return env.Command switch
            {
                CniCommand.Add => plugin.Add(),
                CniCommand.Del => plugin.Del(),
                CniCommand.Check => plugin.Check(),
                CniCommand.Gc => plugin.Gc(),
                CniCommand.Status => plugin.Status(),
                _ => throw new InvalidOperationException(env.Command.ToString()),
            };
        }
        catch (PodnetLinuxException e)
        {
            throw new CniException(e.Errno == Errno.EEXIST ? CniErrorCode.InterfaceExists : CniErrorCode.KernelFailure, e.Message, e.Detail ?? e.ErrnoName, e);
        }
    }

    IIpamDelegate? Ipam => conf.Ipam is null ? null
        : conf.IpamType == PluginMain.IpamType ? new InProcessIpam(conf, env) : new ExecIpam(conf, env, stdin);

    string HostVeth => Names.HostVeth(env.ContainerId, env.IfName);

    /// <summary>Opens CNI_NETNS; a path that does not exist is "container unknown" (code 3).</summary>
    NetNs? OpenContainerNs(bool required)
    {
        if (env.Netns.Length == 0 || !File.Exists(env.Netns))
        {
            if (!required) return null;
            throw new CniException(CniErrorCode.UnknownContainer, "container network namespace does not exist",
                $"CNI_NETNS \"{env.Netns}\" does not exist");
        }
        try { return NetNs.Open(env.Netns); }
        catch (PodnetLinuxException e) when (!required && e.Errno is Errno.ENOENT or Errno.EINVAL) { return null; }
        catch (PodnetLinuxException e)
        {
            throw new CniException(CniErrorCode.UnknownContainer, "could not open container network namespace",
                $"CNI_NETNS \"{env.Netns}\": {e.Message}", e);
        }
    }

    static IPNetwork Net(Cidr c) => new(c.Network, c.Prefix);

    /// <summary>Gateway of an address: the IPAM one, else (isGateway) the subnet's first address.</summary>
    IPAddress? GatewayOf(IpConfig ip) => ip.Gateway ?? (conf.IsGateway ? IpMath.Next(ip.Address.Network) : null);
}
