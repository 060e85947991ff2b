using System.Net;
using Podnet.Linux.Netlink;
using Podnet.Testing;

namespace Podnet.Linux.Tests;

/// <summary>A throwaway namespace with an Rtnl opened inside it; disposes both.</summary>
internal sealed class NsRtnl : IDisposable
{
    public NsRtnl()
    {
        T = new TestNetns("linux");
        try { R = Rtnl.Open(T.Ns); }
        catch { T.Dispose(); throw; }
    }

    public TestNetns T { get; }
    public Rtnl R { get; }
    public string Name => T.Name;

    public void Dispose()
    {
        R.Dispose();
        T.Dispose();
    }

    private int _peers;

    /// <summary>A link to configure: a veth (this kernel has no dummy driver) whose peer is up,
    /// so the link gets carrier once set up.</summary>
    public void Dev(string name)
    {
        string peer = "pr" + _peers++;
        R.AddVeth(name, peer);
        R.SetUp(peer);
    }

    public static IPAddress Ip(string s) => IPAddress.Parse(s);
}
