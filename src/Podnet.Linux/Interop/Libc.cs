namespace Podnet.Linux.Interop;

/// <summary>Constants shared by the libc imports. Every P/Invoke of Podnet lives in this folder.</summary>
internal static partial class Libc
{
    // glibc's soname; "libc" alone would probe libc.so, which is a linker script on Debian.
    internal const string Name = "libc.so.6";

    internal const int O_RDONLY = 0x0, O_WRONLY = 0x1, O_RDWR = 0x2;
    internal const int O_CREAT = 0x40, O_EXCL = 0x80, O_TRUNC = 0x200, O_CLOEXEC = 0x80000;

    internal const int CLONE_NEWNET = 0x40000000;

    internal const ulong MS_BIND = 0x1000, MS_REC = 0x4000, MS_SHARED = 1 << 20;
    internal const int MNT_DETACH = 2;

    internal const int AF_INET = 2, AF_NETLINK = 16, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000;
    internal const int SOL_SOCKET = 1, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33;
    internal const int MSG_DONTWAIT = 0x40, MSG_TRUNC = 0x20;
}
