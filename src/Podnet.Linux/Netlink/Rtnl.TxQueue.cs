namespace Podnet.Linux.Netlink;

public sealed partial class Rtnl
{
    /// <summary>Sets the transmit queue length (<c>ip link set … txqueuelen N</c>), e.g. to let a TUN
    /// device absorb bursts while its userspace reader catches up.</summary>
    public void SetTxQueueLength(LinkRef link, int length) =>
        SetAttr(link, "set txqueuelen " + length, m => m.U32(Nl.IFLA_TXQLEN, (uint)length));
}
