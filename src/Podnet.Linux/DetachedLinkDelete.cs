using Podnet.Linux.Interop;

namespace Podnet.Linux;

/// <summary>Deleting a link without waiting for the kernel to finish unregistering it.</summary>
public static class DetachedLinkDelete
{
    /// <summary>
    /// Deletes link <paramref name="ifindex"/> of the calling thread's network namespace from a forked
    /// child, so the caller does not wait for the RCU grace periods of the unregister (tens of ms on a
    /// busy host). By index only: indices are allocated cyclically per namespace, so a newer link that
    /// took the same name is never hit. Returns the child's pid; throws when fork fails (then the
    /// caller deletes inline). For single-threaded processes such as a CNI plugin.
    /// </summary>
    public static int Start(int ifindex)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ifindex);
        using var sock = Libc.Socket(Libc.AF_NETLINK, Libc.SOCK_RAW, 0 /* NETLINK_ROUTE */);
        if (sock.IsInvalid) throw new PodnetLinuxException("open", "netlink socket", null, Errno.Last());
        // nlmsghdr (len, type RTM_DELLINK, flags NLM_F_REQUEST, seq, pid) + ifinfomsg with the index.
        Span<byte> msg = stackalloc byte[32];
        msg.Clear();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(msg, 32);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(msg[4..], 17);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(msg[6..], 1);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(msg[8..], 1);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(msg[20..], ifindex);
        int pid = Libc.ForkAndSend(sock, msg);
        if (pid < 0) throw new PodnetLinuxException("fork", $"link deletion of ifindex {ifindex}", null, -pid);
        return pid;
    }
}
