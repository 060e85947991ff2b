using System.Runtime.ExceptionServices;
using Podnet.Linux.Interop;

namespace Podnet.Linux.Netns;

/// <summary>
/// An open network namespace (holds its nsfs file descriptor). Named namespaces live at
/// <c>/var/run/netns/NAME</c> exactly like <c>ip netns add</c> makes them.
/// <para>Code runs inside a namespace with <see cref="Run"/>: setns(2) is per-thread, so the
/// action runs on a fresh dedicated thread that never returns to a pool. Never await inside it.
/// Sockets keep the namespace they were created in; open an <see cref="Netlink.Rtnl"/> with
/// <c>Rtnl.Open(ns)</c> once and use it from any thread.</para>
/// </summary>
public sealed class NetNs : IDisposable
{
    /// <summary>Where named namespaces are bind-mounted (iproute2's NETNS_RUN_DIR).</summary>
    public const string RunDir = "/var/run/netns";

    private NetNs(SafeFdHandle handle, string? name, string path, bool isCurrentProcess)
    {
        Handle = handle;
        Name = name;
        Path = path;
        IsProcessNamespace = isCurrentProcess;
    }

    /// <summary>The name under /var/run/netns, or null when opened by another path.</summary>
    public string? Name { get; }

    /// <summary>The path it was opened from.</summary>
    public string Path { get; }

    /// <summary>The namespace file descriptor (for IFLA_NET_NS_FD and setns).</summary>
    public SafeFdHandle Handle { get; }

    /// <summary>True for the namespace of this process (see <see cref="Current"/>).</summary>
    public bool IsProcessNamespace { get; }

    /// <summary>How errors name this namespace: its name, else its path.</summary>
    public string Label => Name ?? Path;

    public override string ToString() => Label;

    /// <summary>The namespace this process was started in (the host's, or a lab node's when the
    /// process was started with <c>ip netns exec</c>). Cheap: one open(2).</summary>
    public static NetNs Current() => OpenPath("/proc/self/ns/net", null, isCurrentProcess: true);

    /// <summary>Opens a namespace by name (under /var/run/netns) or by path (contains '/').</summary>
    public static NetNs Open(string nameOrPath)
    {
        ArgumentNullException.ThrowIfNull(nameOrPath);
        if (nameOrPath.Contains('/')) return OpenPath(nameOrPath, null, false);
        if (Names.NetnsNameProblem(nameOrPath) is { } problem)
            throw new PodnetLinuxException("open netns", Quote(nameOrPath), null, Errno.EINVAL, problem);
        return OpenPath(PathOf(nameOrPath), nameOrPath, false);
    }

    /// <summary>True when /var/run/netns/NAME exists.</summary>
    public static bool Exists(string name) =>
        Names.NetnsNameProblem(name) is null && File.Exists(PathOf(name));

    /// <summary>The bind-mount path of a named namespace.</summary>
    public static string PathOf(string name) => RunDir + "/" + name;

    /// <summary>
    /// Creates a new, empty network namespace bind-mounted at /var/run/netns/NAME (like
    /// <c>ip netns add</c>; the run dir is made a shared mount point the same way).
    /// Fails with EEXIST if the name is taken.
    /// </summary>
    public static NetNs Create(string name)
    {
        if (Names.NetnsNameProblem(name) is { } problem)
            throw new PodnetLinuxException("create netns", Quote(name), null, Errno.EINVAL, problem);
        EnsureRunDir();
        string path = PathOf(name);
        using (var marker = Libc.Open(path, Libc.O_RDONLY | Libc.O_CREAT | Libc.O_EXCL, 0))
            if (marker.IsInvalid) throw Fail("create netns", name, Errno.Last());

        int err = 0;
        var t = new Thread(() =>
        {
            // This thread alone enters the new namespace and dies afterwards: nothing returns to a pool.
            if (Libc.Unshare(Libc.CLONE_NEWNET) != 0) { err = Errno.Last(); return; }
            if (Libc.Mount("/proc/thread-self/ns/net", path, "none", Libc.MS_BIND, null) != 0) err = Errno.Last();
        }, 256 * 1024) { IsBackground = true, Name = "podnet-netns-create" };
        t.Start();
        t.Join();
        if (err != 0)
        {
            Libc.Unlink(path);
            throw Fail("create netns", name, err);
        }
        return OpenPath(path, name, false);
    }

    /// <summary>Removes /var/run/netns/NAME (unmount + unlink). Succeeds if it does not exist.
    /// The namespace itself disappears once no process or open handle uses it.</summary>
    public static void Delete(string name)
    {
        if (Names.NetnsNameProblem(name) is { } problem)
            throw new PodnetLinuxException("delete netns", Quote(name), null, Errno.EINVAL, problem);
        string path = PathOf(name);
        if (Libc.Umount2(path, Libc.MNT_DETACH) != 0)
        {
            int e = Errno.Last();
            // EINVAL: not a mount point (half-created); ENOENT: already gone.
            if (e != Errno.EINVAL && e != Errno.ENOENT) throw Fail("delete netns", name, e);
        }
        if (Libc.Unlink(path) != 0)
        {
            int e = Errno.Last();
            if (e != Errno.ENOENT) throw Fail("delete netns", name, e);
        }
    }

    /// <summary>Runs <paramref name="action"/> on a dedicated thread inside this namespace and waits.
    /// Exceptions are rethrown here with their original stack.</summary>
    public void Run(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        Run<object?>(() => { action(); return null; });
    }

    /// <summary>Runs <paramref name="func"/> on a dedicated thread inside this namespace and returns its result.</summary>
    public T Run<T>(Func<T> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var t = new Thread(() =>
        {
            bool added = false;
            try
            {
                Handle.DangerousAddRef(ref added);
                if (Libc.SetNs(Handle, Libc.CLONE_NEWNET) != 0)
                    throw Fail("enter netns", Label, Errno.Last());
                result = func();
            }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
            finally { if (added) Handle.DangerousRelease(); }
            // The thread exits here, still inside the namespace; it is never reused.
        }, 1024 * 1024) { IsBackground = true, Name = "podnet-netns" };
        t.Start();
        t.Join();
        failure?.Throw();
        return result;
    }

    /// <summary>
    /// Runs <paramref name="func"/> on the calling thread switched into this namespace, then switches
    /// the thread back. No thread is created: the fast path for short synchronous work such as
    /// opening a netlink socket (which stays bound to this namespace). Never await inside it. If
    /// the thread cannot return to its namespace the process is stopped (FailFast) rather than let
    /// later work run in the wrong namespace.
    /// </summary>
    public T RunOnCallingThread<T>(Func<T> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        using var back = Libc.Open("/proc/thread-self/ns/net", Libc.O_RDONLY);
        if (back.IsInvalid) throw Fail("open current netns", "/proc/thread-self/ns/net", Errno.Last());
        bool added = false;
        try
        {
            Handle.DangerousAddRef(ref added);
            if (Libc.SetNs(Handle, Libc.CLONE_NEWNET) != 0) throw Fail("enter netns", Label, Errno.Last());
            try { return func(); }
            finally
            {
                if (Libc.SetNs(back, Libc.CLONE_NEWNET) != 0)
                    Environment.FailFast($"could not return to the original netns from {Label}: {Errno.Name(Errno.Last())}");
            }
        }
        finally { if (added) Handle.DangerousRelease(); }
    }

    public void Dispose() => Handle.Dispose();

    private static NetNs OpenPath(string path, string? name, bool isCurrentProcess)
    {
        var h = Libc.Open(path, Libc.O_RDONLY);
        if (h.IsInvalid) throw Fail("open netns", name ?? path, Errno.Last());
        int type = Libc.Ioctl(h, Libc.NS_GET_NSTYPE);
        if (type != Libc.CLONE_NEWNET)
        {
            int e = type < 0 ? Errno.Last() : Errno.EINVAL;
            h.Dispose();
            throw new PodnetLinuxException("open netns", Quote(name ?? path), null, e == Errno.ENOTTY ? Errno.EINVAL : e,
                "not a network namespace file");
        }
        return new NetNs(h, name, path, isCurrentProcess);
    }

    /// <summary>Makes /var/run/netns a shared mount point, as iproute2 does, so that namespace
    /// bind mounts propagate to every mount namespace.</summary>
    private static void EnsureRunDir()
    {
        if (Libc.Mkdir(RunDir, 0x1ed /* 0755 */) != 0 && Errno.Last() != Errno.EEXIST)
            throw Fail("create directory", RunDir, Errno.Last());
        if (Libc.Mount("", RunDir, "none", Libc.MS_SHARED | Libc.MS_REC, null) == 0) return;
        if (Errno.Last() != Errno.EINVAL) throw Fail("make shared mount", RunDir, Errno.Last());
        // Not a mount point yet: bind it onto itself, then make it shared.
        if (Libc.Mount(RunDir, RunDir, "none", Libc.MS_BIND | Libc.MS_REC, null) != 0)
            throw Fail("bind mount", RunDir, Errno.Last());
        if (Libc.Mount("", RunDir, "none", Libc.MS_SHARED | Libc.MS_REC, null) != 0)
            throw Fail("make shared mount", RunDir, Errno.Last());
    }

    private static PodnetLinuxException Fail(string op, string obj, int errno) =>
        new(op, Quote(obj), null, errno);

    internal static string Quote(string s) => "\"" + s + "\"";
}
