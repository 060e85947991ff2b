using System.Runtime.InteropServices;

namespace Podnet.Linux.Interop;

/// <summary>Owns a Linux file descriptor (a namespace file, a netlink socket, a TUN device).</summary>
public sealed class SafeFdHandle : SafeHandle
{
    public SafeFdHandle() : base(new IntPtr(-1), ownsHandle: true) { }

    internal SafeFdHandle(int fd) : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    internal SafeFdHandle(int fd, bool ownsHandle) : base(new IntPtr(-1), ownsHandle) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>The raw descriptor; valid only while this handle is alive (callers hold a ref).</summary>
    internal int Fd => (int)handle.ToInt64();

    protected override bool ReleaseHandle() => Libc.Close((int)handle.ToInt64()) == 0;
}
