using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

/// <summary>A NETLINK_NETFILTER socket owned by the nftables layer. Closed on dispose.</summary>
internal sealed class NftSocketHandle : SafeHandle
{
    public NftSocketHandle() : base(-1, ownsHandle: true) { }
    internal void Adopt(int fd) => SetHandle(fd);
    public override bool IsInvalid => handle == -1;
    protected override bool ReleaseHandle() => NftNative.close((int)handle) == 0;
}

/// <summary>
/// The few libc calls the nftables layer needs: a netfilter netlink socket, send/recv of whole
/// buffers, and entering a named network namespace on the calling thread. Raw pointers stay here.
/// </summary>
internal static partial class NftNative
{
    private const int AF_NETLINK = 16, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000, NETLINK_NETFILTER = 12;
    private const int SOL_SOCKET = 1, SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33;
    private const int SOL_NETLINK = 270, NETLINK_EXT_ACK = 11, NETLINK_CAP_ACK = 10;
    private const int MSG_DONTWAIT = 0x40, MSG_TRUNC = 0x20;
    private const int CLONE_NEWNET = 0x40000000, O_RDONLY = 0, O_CLOEXEC = 0x80000;
    public const int EAGAIN = 11, EINTR = 4;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int bind(int fd, byte* addr, int len);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int setsockopt(int fd, int level, int name, int* value, int len);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint send(int fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial nint recv(int fd, byte* buf, nint len, int flags);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    /// <summary>Opens and binds a netfilter netlink socket in the calling thread's namespace.</summary>
    public static unsafe NftSocketHandle OpenSocket(int bufferBytes, out int errno)
    {
        var h = new NftSocketHandle();
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
        if (fd < 0) { errno = Marshal.GetLastPInvokeError(); return h; }
        h.Adopt(fd);
        // sockaddr_nl: family u16, pad u16, pid u32 (0: kernel assigns), groups u32.
        byte* sa = stackalloc byte[12];
        new Span<byte>(sa, 12).Clear();
        *(ushort*)sa = AF_NETLINK;
        if (bind(fd, sa, 12) != 0) { errno = Marshal.GetLastPInvokeError(); h.Dispose(); return new NftSocketHandle(); }
        int one = 1, size = bufferBytes;
        // Best effort: extended acks carry the kernel's reason; capped acks avoid echoing requests.
        setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(int));
        setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(int));
        // Large batches go out in one sendmsg: the send buffer must hold the whole batch.
        setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(int));
        setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(int));
        errno = 0;
        return h;
    }

    /// <summary>Raises the socket's send buffer to at least <paramref name="bytes"/>.</summary>
    public static unsafe void SetSendBuffer(NftSocketHandle h, int bytes)
    {
        bool added = false;
        h.DangerousAddRef(ref added);
        try { setsockopt((int)h.DangerousGetHandle(), SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(int)); }
        finally { if (added) h.DangerousRelease(); }
    }

    /// <summary>Sends one buffer as one datagram. Returns 0 or an errno.</summary>
    public static unsafe int Send(NftSocketHandle h, ReadOnlySpan<byte> data)
    {
        bool added = false;
        h.DangerousAddRef(ref added);
        try
        {
            fixed (byte* p = data)
            {
                while (true)
                {
                    nint n = send((int)h.DangerousGetHandle(), p, data.Length, 0);
                    if (n >= 0) return 0;
                    int e = Marshal.GetLastPInvokeError();
                    if (e != EINTR) return e;
                }
            }
        }
        finally { if (added) h.DangerousRelease(); }
    }

    /// <summary>Receives one datagram. Returns its length, or -errno (-EAGAIN when non-blocking and empty).</summary>
    public static unsafe int Receive(NftSocketHandle h, Span<byte> buffer, bool dontWait)
    {
        bool added = false;
        h.DangerousAddRef(ref added);
        try
        {
            fixed (byte* p = buffer)
            {
                while (true)
                {
                    nint n = recv((int)h.DangerousGetHandle(), p, buffer.Length, dontWait ? MSG_DONTWAIT : 0);
                    if (n >= 0) return (int)n;
                    int e = Marshal.GetLastPInvokeError();
                    if (e != EINTR) return -e;
                }
            }
        }
        finally { if (added) h.DangerousRelease(); }
    }

    /// <summary>Moves the calling thread into the network namespace at <paramref name="path"/>. Returns 0 or an errno.</summary>
    public static int EnterNetns(string path)
    {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return Marshal.GetLastPInvokeError();
        try { return setns(fd, CLONE_NEWNET) == 0 ? 0 : Marshal.GetLastPInvokeError(); }
        finally { close(fd); }
    }
}
