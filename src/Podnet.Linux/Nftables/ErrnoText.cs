using System.Runtime.InteropServices;

namespace Podnet.Linux.Nftables;

/// <summary>Renders an errno as "No such file or directory (ENOENT)".</summary>
internal static class ErrnoText
{
    private static readonly Dictionary<int, string> Names = new()
    {
        [1] = "EPERM", [2] = "ENOENT", [4] = "EINTR", [7] = "E2BIG", [11] = "EAGAIN", [12] = "ENOMEM",
        [13] = "EACCES", [16] = "EBUSY", [17] = "EEXIST", [19] = "ENODEV", [20] = "ENOTDIR", [22] = "EINVAL",
        [23] = "ENFILE", [24] = "EMFILE", [28] = "ENOSPC", [34] = "ERANGE", [36] = "ENAMETOOLONG",
        [40] = "ELOOP", [61] = "ENODATA", [71] = "EPROTO", [90] = "EMSGSIZE", [93] = "EPROTONOSUPPORT",
        [95] = "EOPNOTSUPP", [97] = "EAFNOSUPPORT", [105] = "ENOBUFS", [110] = "ETIMEDOUT", [85] = "ERESTART",
    };

    public static string Name(int errno) => Names.TryGetValue(errno, out var n) ? n : $"errno {errno}";

    public static string Describe(int errno) => $"{Marshal.GetPInvokeErrorMessage(errno)} ({Name(errno)})";
}
