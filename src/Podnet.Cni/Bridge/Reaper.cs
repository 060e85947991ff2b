using Podnet.Linux;

namespace Podnet.Cni.Bridge;

/// <summary>
/// Deleting a veth makes the kernel wait for RCU grace periods (tens of ms on a busy host) after the
/// link is already unlisted, which would dominate DEL. DEL therefore sends the deletion from a forked
/// child (<see cref="DetachedLinkDelete"/>: one netlink request, no new program start) and returns at
/// once; the link is gone within about a millisecond, the child's wait happens off the runtime's clock.
/// It deletes by ifindex (never reused soon), so it cannot hit a newer link that took the same name
/// (a re-ADD right after DEL clears the old pair itself, see ResolveNameClash). The released address
/// is not handed out again before the range wraps (round-robin).
/// </summary>
public static class Reaper
{
    /// <summary>Starts the detached deletion; false if the child could not be started (caller deletes inline).</summary>
    public static bool Start(int index)
    {
        try
        {
            DetachedLinkDelete.Start(index);
            return true;
        }
        catch (PodnetLinuxException) { return false; }
    }
}
