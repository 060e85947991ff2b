using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

/// <summary>Constants and the by-value ioctl used by the batched UDP/TUN datapath (PacketBatch,
/// UdpBatchSocket, TunDevice); recvmmsg/sendmmsg themselves are in Libc.Mmsg.cs.</summary>
internal static partial class Libc
{
    internal const int AF_INET = 2, SOCK_DGRAM = 2;
    internal const int SOL_SOCKET = 1, SO_RCVBUF = 8, SO_SNDBUF = 7, SO_RCVBUFFORCE = 33, SO_SNDBUFFORCE = 32;
    internal const int MSG_DONTWAIT = 0x40;
    internal const int EAGAIN = 11, EINTR = 4;

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    private static partial int IoctlIntRaw(SafeFdHandle fd, ulong request, nint arg);

    /// <summary>ioctl(2) with an integer argument passed by value (TUNSETPERSIST, TUNSETOFFLOAD).</summary>
    internal static int IoctlInt(SafeFdHandle fd, ulong request, int value) => IoctlIntRaw(fd, request, value);
}
