using Podnet.Cni.Config;
using Podnet.Cni.Ipam;
using Podnet.Cni.Spec;

namespace Podnet.Cni.Commands;

/// <summary>podnet-ipam as a standalone, host-local compatible IPAM plugin.</summary>
public static class IpamPlugin
{
    public static byte[] Run(CniEnv env, NetConf conf)
    {
        if (conf.Ipam is null)
            throw new CniException(CniErrorCode.InvalidConfig, "missing ipam configuration", "the network configuration has no \"ipam\" object");
        var ipam = HostLocalIpam.OnDisk(IpamConf.Parse(conf.Ipam, conf.Name, CniArgs.Parse(env.Args), conf.Root));
        switch (env.Command)
        {
            case CniCommand.Add:
                return ResultJson.ToBytes(ipam.Add(env.ContainerId, env.IfName, conf.CniVersion), conf.CniVersion, ipam: true);
            case CniCommand.Del:
                ipam.Del(env.ContainerId, env.IfName);
                return [];
            case CniCommand.Check:
                ipam.Check(env.ContainerId, env.IfName);
                return [];
            case CniCommand.Gc:
                ipam.Gc(conf.ValidAttachments ?? []);
                return [];
            case CniCommand.Status:
                ipam.Status();
                return [];
            default:
                throw new InvalidOperationException(env.Command.ToString());
        }
    }
}
