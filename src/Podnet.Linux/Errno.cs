using System.Runtime.InteropServices;

namespace Podnet.Linux;

/// <summary>The one place where Linux errno values get their names and messages.</summary>
public static class Errno
{
    public const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, EBADF = 9, EAGAIN = 11,
        ENOMEM = 12, EACCES = 13, EBUSY = 16, EEXIST = 17, ENODEV = 19, ENOTDIR = 20, EINVAL = 22,
        ENOTTY = 25, ENOSPC = 28, ERANGE = 34, ENAMETOOLONG = 36, ENOSYS = 38, ENOTEMPTY = 39,
        ENODATA = 61, EPROTO = 71, EMSGSIZE = 90, EPROTONOSUPPORT = 93, EOPNOTSUPP = 95,
        EAFNOSUPPORT = 97, EADDRINUSE = 98, EADDRNOTAVAIL = 99, ENETDOWN = 100, ENETUNREACH = 101,
        ENOBUFS = 105, ETIMEDOUT = 110, EHOSTUNREACH = 113;

    /// <summary>The symbolic name, e.g. 17 → "EEXIST".</summary>
    public static string Name(int errno) => errno switch
    {
        EPERM => "EPERM", ENOENT => "ENOENT", ESRCH => "ESRCH", EINTR => "EINTR", EIO => "EIO",
        EBADF => "EBADF", EAGAIN => "EAGAIN", ENOMEM => "ENOMEM", EACCES => "EACCES", EBUSY => "EBUSY",
        EEXIST => "EEXIST", ENODEV => "ENODEV", ENOTDIR => "ENOTDIR", EINVAL => "EINVAL",
        ENOTTY => "ENOTTY", ENOSPC => "ENOSPC", ERANGE => "ERANGE", ENAMETOOLONG => "ENAMETOOLONG",
        ENOSYS => "ENOSYS", ENOTEMPTY => "ENOTEMPTY", ENODATA => "ENODATA", EPROTO => "EPROTO",
        EMSGSIZE => "EMSGSIZE", EPROTONOSUPPORT => "EPROTONOSUPPORT", EOPNOTSUPP => "EOPNOTSUPP",
        EAFNOSUPPORT => "EAFNOSUPPORT", EADDRINUSE => "EADDRINUSE", EADDRNOTAVAIL => "EADDRNOTAVAIL",
        ENETDOWN => "ENETDOWN", ENETUNREACH => "ENETUNREACH", ENOBUFS => "ENOBUFS",
        ETIMEDOUT => "ETIMEDOUT", EHOSTUNREACH => "EHOSTUNREACH",
        0 => "OK",
        _ => "E" + errno,
    };

    /// <summary>The C library's message, e.g. 17 → "File exists".</summary>
    public static string Message(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>errno of the last failed libc call made through Interop.</summary>
    internal static int Last() => Marshal.GetLastPInvokeError();
}
