namespace Podnet.Linux;

/// <summary>
/// The one error type of Podnet.Linux. The message names the operation, the object and the
/// namespace and keeps the cause, e.g.
/// <c>could not add veth "veth1a2b" in pnt-x: File exists (EEXIST)</c>.
/// <see cref="Errno"/> is the kernel's errno (EINVAL for input rejected before the kernel).
/// </summary>
public sealed class PodnetLinuxException : Exception
{
    public PodnetLinuxException(string operation, string obj, string? ns, int errno, string? detail = null)
        : base(Format(operation, obj, ns, errno, detail))
    {
        Operation = operation;
        Object = obj;
        Namespace = ns;
        Errno = errno;
        Detail = detail;
    }

    /// <summary>The errno (positive), e.g. 17 for EEXIST.</summary>
    public int Errno { get; }

    /// <summary>The errno's symbolic name, e.g. "EEXIST".</summary>
    public string ErrnoName => Linux.Errno.Name(Errno);

    /// <summary>What was attempted, e.g. "add veth".</summary>
    public string Operation { get; }

    /// <summary>The object, e.g. <c>"veth1a2b"</c> (quoted) or <c>route 10.0.0.0/24</c>.</summary>
    public string Object { get; }

    /// <summary>The namespace the operation ran in, if known.</summary>
    public string? Namespace { get; }

    /// <summary>Extra cause text: the kernel's extended ack message or our own validation text.</summary>
    public string? Detail { get; }

    private static string Format(string op, string obj, string? ns, int errno, string? detail)
    {
        string where = ns is null ? "" : " in " + ns;
        string cause = detail is null
            ? $"{Linux.Errno.Message(errno)} ({Linux.Errno.Name(errno)})"
            : $"{Linux.Errno.Message(errno)} ({Linux.Errno.Name(errno)}): {detail}";
        return $"could not {op} {obj}{where}: {cause}";
    }
}
