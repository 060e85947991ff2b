using System.Net;
using Podnet.Cni.Config;
using Podnet.Cni.Spec;

namespace Podnet.Cni.Ipam;

/// <summary>The IPAM operations (ADD/DEL/CHECK/GC/STATUS) over a store, as host-local does them.</summary>
/// <remarks>openStore(conf, create) returns null when create is false and the store does not exist.</remarks>
public sealed class HostLocalIpam(IpamConf conf, Func<IpamConf, bool, IIpamStore?> openStore)
{
    public static HostLocalIpam OnDisk(IpamConf conf) =>
        new(conf, (c, create) => create || Directory.Exists(c.StoreDir) ? new DiskStore(c.StoreDir) : null);

    /// <summary>One address per range set (requested ones where given); all or nothing.</summary>
    public CniResult Add(string id, string ifname, string version)
    {
        // Before anything is reserved, as host-local does: an unreadable resolvConf used to fail ADD after
        // the commit and leave the reservation behind.
        var dns = conf.ResolvConf is { } rc ? ResolvConf.Parse(rc) : null;
        using var store = openStore(conf, true)!;
        var ips = new List<IpConfig>();
        using (store.Lock())
        {
            // The duplicate check, as host-local's: under the lock, from the owner hint alone when the
            // store can vouch that nobody else changed the directory, else by reading every reservation.
            var held = store.GetById(id, ifname);
            Commands.Trace.Mark("ipam: locked, duplicate check");
            for (int i = 0; i < conf.Ranges.Count; i++)
                if (held.FirstOrDefault(conf.Ranges[i].Contains) is { } dup)
                    throw new CniException(CniErrorCode.InvalidConfig, "duplicate allocation",
                        $"{dup} has been allocated to {id}/{ifname}, duplicate allocation is not allowed");
            var requested = new List<IPAddress>(conf.RequestedIps);
            try
            {
                for (int i = 0; i < conf.Ranges.Count; i++)
                {
                    var set = conf.Ranges[i];
                    var want = requested.FirstOrDefault(set.Contains);
                    if (want is not null) requested.Remove(want);
                    ips.Add(Allocator.Allocate(store, set, i, id, ifname, want));
                }
                if (requested.Count > 0)
                    throw new CniException(CniErrorCode.InvalidConfig, "failed to allocate all requested IPs",
                        $"requested IPs not in any range set: {string.Join(" ", requested)}");
                store.Commit();
            }
            catch
            {
                store.ReleaseById(id, ifname);
                throw;
            }
        }
        return new CniResult(version, [], ips, conf.Routes, dns);
    }

    public void Del(string id, string ifname)
    {
        using var store = openStore(conf, false);
        if (store is null) return;
        using (store.Lock())
        {
            foreach (var ip in store.GetById(id, ifname)) store.ReleaseIfOwned(ip, id, ifname);
            store.Forget(id, ifname);
            store.Commit();
        }
    }

    public void Check(string id, string ifname)
    {
        using var store = openStore(conf, false);
        IReadOnlyList<IPAddress> held = [];
        if (store is not null)
        using (store.Lock()) held = store.GetById(id, ifname);
        if (held.Count == 0)
            throw new CniException(CniErrorCode.CheckFailed, "IP reservation missing",
                $"no address in {conf.StoreDir} is reserved for container {id} interface {ifname}");
    }

    /// <summary>Releases every reservation not held by a valid attachment; returns the released ones.</summary>
    public IReadOnlyList<Reservation> Gc(IReadOnlyList<Attachment> valid)
    {
        var keep = valid.Select(a => (a.ContainerId.Trim(), a.IfName)).ToHashSet();
        var keepIds = valid.Select(a => a.ContainerId.Trim()).ToHashSet();
        using var store = openStore(conf, false);
        var released = new List<Reservation>();
        if (store is null) return released;
        using (store.Lock())
        {
            foreach (var r in store.List())
            {
                bool stillValid = r.IfName.Length == 0 ? keepIds.Contains(r.ContainerId) : keep.Contains((r.ContainerId, r.IfName));
                if (stillValid) continue;
                store.Release(r.Ip);
                store.Forget(r.ContainerId, r.IfName);
                released.Add(r);
            }
            store.PruneForgotten();
        }
        return released;
    }

    /// <summary>STATUS: not available (50) when some range set has no free address.</summary>
    public void Status()
    {
        IReadOnlyList<Reservation> all = [];
        using (var store = openStore(conf, false))
            if (store is not null)
                using (store.Lock()) all = store.List();
        for (int i = 0; i < conf.Ranges.Count; i++)
        {
            var set = conf.Ranges[i];
            var used = (UInt128)all.Count(r => set.Contains(r.Ip) && !set.Ranges.Any(x => x.Gateway.Equals(r.Ip)));
            if (used >= Allocator.Capacity(set))
                throw new CniException(CniErrorCode.PluginNotAvailable, "no IP addresses available",
                    $"range set {i} ({set}) is exhausted: {used} addresses in use");
        }
    }
}
