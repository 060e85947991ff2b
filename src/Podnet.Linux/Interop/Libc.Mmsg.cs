using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

/// <summary>recvmmsg/sendmmsg and the structures they use (x86_64/aarch64 layouts).</summary>
internal static partial class Libc
{
    internal const int MSG_WAITFORONE = 0x10000;

    [LibraryImport(Name, EntryPoint = "recvmmsg", SetLastError = true)]
    internal static unsafe partial int RecvMmsg(SafeHandle fd, MMsgHdr* msgvec, uint vlen, int flags, void* timeout);

    [LibraryImport(Name, EntryPoint = "sendmmsg", SetLastError = true)]
    internal static unsafe partial int SendMmsg(SafeHandle fd, MMsgHdr* msgvec, uint vlen, int flags);

    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct IoVec
    {
        public void* Base;
        public nuint Len;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct MsgHdr
    {
        public void* Name;
        public uint NameLen;
        public IoVec* Iov;
        public nuint IovLen;
        public void* Control;
        public nuint ControlLen;
        public int Flags;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MMsgHdr
    {
        public MsgHdr Hdr;
        public uint Len;
    }

    /// <summary>struct sockaddr_in; port and address in network byte order.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SockAddrIn
    {
        public ushort Family;
        public ushort PortBe;
        public uint AddrBe;
        public ulong Zero;
    }

    /// <summary>struct cmsghdr followed by room for one int payload (UDP_GRO's segment size).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CMsgInt
    {
        public nuint Len;
        public int Level;
        public int Type;
        public int Value;
        private int _pad;
    }
}
