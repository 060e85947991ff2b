using Podnet.Linux;
using Podnet.Linux.Netlink;

namespace Podnet.Cni.Bridge;

/// <summary>
/// Deleting a veth makes the kernel wait for RCU grace periods (tens of ms on a busy host), which would
/// dominate DEL (and every netlink call behind it waits for the same rtnl lock). DEL therefore leaves the
/// unregister to a detached child of the same binary: "podnet-cni" with
/// PODNET_CNI_REAP=&lt;ifindex&gt;:&lt;name&gt; in the host namespace. It deletes by ifindex (never reused soon)
/// and only if the name still matches, so it cannot hit a newer link that took the same name. The released
/// address is not handed out again before the range wraps (round-robin), long after the child is done.
/// </summary>
public static class Reaper
{
    public const string EnvVar = "PODNET_CNI_REAP";

    /// <summary>Starts the detached deletion; false if the child could not be started (caller deletes inline).</summary>
    public static bool Start(int index, string name)
    {
        try
        {
            // stdio on /dev/null: the runtime waits for EOF on its pipes and must not wait for this child.
            Spawn.Detached(Environment.ProcessPath!, ["podnet-cni-reaper"],
                new Dictionary<string, string> { [EnvVar] = $"{index}:{name}" });
            return true;
        }
        catch (PodnetLinuxException) { return false; }
    }

    /// <summary>The child's side: delete the link if it is still the one we were told about.</summary>
    public static int Run(string spec)
    {
        int colon = spec.IndexOf(':');
        if (colon <= 0 || !int.TryParse(spec.AsSpan(0, colon), out int index)) return 2;
        string name = spec[(colon + 1)..];
        try
        {
            using var host = Rtnl.OpenCurrent("the host netns");
            if (host.FindLink(index) is { } l && l.Name == name) host.DeleteLink(index, ignoreMissing: true);
            return 0;
        }
        catch (PodnetLinuxException) { return 1; }
    }
}
