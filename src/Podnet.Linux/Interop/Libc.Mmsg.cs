using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

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
}
