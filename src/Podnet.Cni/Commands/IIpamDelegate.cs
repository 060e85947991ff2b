using Podnet.Cni.Config;
using Podnet.Cni.Spec;

namespace Podnet.Cni.Commands;

/// <summary>The IPAM a main plugin delegates to (spec section 4): in-process podnet-ipam, or an exec'd plugin.</summary>
public interface IIpamDelegate
{
    CniResult Add();
    void Del();
    void Check();
    void Gc(IReadOnlyList<Attachment> valid);
    void Status();
}

/// <summary>podnet-ipam run inside the calling process: no fork/exec, same on-disk store.</summary>
public sealed class InProcessIpam(NetConf conf, CniEnv env) : IIpamDelegate
{
    Ipam.HostLocalIpam Ipam => Podnet.Cni.Ipam.HostLocalIpam.OnDisk(IpamConf.Parse(conf.Ipam!, conf.Name, CniArgs.Parse(env.Args), conf.Root));
    public CniResult Add() => Ipam.Add(env.ContainerId, env.IfName, conf.CniVersion);
    public void Del() => Ipam.Del(env.ContainerId, env.IfName);
    public void Check() => Ipam.Check(env.ContainerId, env.IfName);
    public void Gc(IReadOnlyList<Attachment> valid) => Ipam.Gc(valid);
    public void Status() => Ipam.Status();
}
