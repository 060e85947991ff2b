namespace Podnet.Cni.Spec;

/// <summary>The spec versions this plugin speaks, and what each allows.</summary>
public static class CniVersion
{
    public const string Latest = "1.1.0";
    public static readonly string[] Supported = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

    public static bool IsSupported(string v) => Array.IndexOf(Supported, v) >= 0;

    /// <summary>Orders dotted versions numerically; unparsable parts count as 0.</summary>
    public static int Compare(string a, string b)
    {
        var pa = a.Split('.'); var pb = b.Split('.');
        for (int i = 0; i < 3; i++)
        {
            int x = i < pa.Length && int.TryParse(pa[i], out var xa) ? xa : 0;
            int y = i < pb.Length && int.TryParse(pb[i], out var yb) ? yb : 0;
            if (x != y) return x.CompareTo(y);
        }
        return 0;
    }

    public static bool AtLeast(string v, string min) => Compare(v, min) >= 0;

    /// <summary>0.3.x and 0.4.0 results carry "version" in each ips entry; 1.x does not.</summary>
    public static bool IsLegacyResult(string v) => Compare(v, "1.0.0") < 0;

    public static void Require(string version)
    {
        if (!IsSupported(version))
            throw new CniException(CniErrorCode.IncompatibleVersion, "incompatible CNI versions",
                $"config cniVersion \"{version}\" is not supported; plugin supports {string.Join(", ", Supported)}");
    }
}
