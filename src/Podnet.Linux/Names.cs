using System.Text;

namespace Podnet.Linux;

/// <summary>Input checks done before anything reaches the kernel.</summary>
public static class Names
{
    /// <summary>IFNAMSIZ - 1: the longest interface name the kernel accepts.</summary>
    public const int MaxInterfaceNameBytes = 15;

    /// <summary>Why <paramref name="name"/> is not a valid interface name, or null when it is.</summary>
    public static string? InterfaceNameProblem(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "interface name is empty";
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxInterfaceNameBytes)
            return $"interface name is {bytes} bytes, at most {MaxInterfaceNameBytes} allowed";
        if (name is "." or "..") return "interface name cannot be \".\" or \"..\"";
        foreach (char c in name)
            if (c == '/' || c == ':' || char.IsWhiteSpace(c) || char.IsControl(c))
                return $"interface name contains '{(char.IsControl(c) ? '?' : c)}'";
        return null;
    }

    /// <summary>Why <paramref name="name"/> is not a valid netns name, or null when it is.</summary>
    public static string? NetnsNameProblem(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "netns name is empty";
        if (name is "." or "..") return "netns name cannot be \".\" or \"..\"";
        if (name.Contains('/')) return "netns name contains '/'";
        if (Encoding.UTF8.GetByteCount(name) > 255) return "netns name is longer than 255 bytes";
        foreach (char c in name)
            if (char.IsControl(c)) return "netns name contains a control character";
        return null;
    }
}
