using System.Net;
using Podnet.Cni.Ipam;

namespace Podnet.Cni.Tests.Unit;

/// <summary>An in-memory IPAM store for pure allocator logic.</summary>
sealed class MemoryStore : IIpamStore
{
    public readonly Dictionary<IPAddress, (string Id, string If)> Held = new();
    public readonly Dictionary<int, IPAddress> Last = new();
    public IDisposable Lock() => this;
    public bool Reserve(string id, string ifname, IPAddress ip, int i)
    {
        if (!Held.TryAdd(ip, (id, ifname))) return false;
        Last[i] = ip;
        return true;
    }
    public IPAddress? LastReservedIp(int i) => Last.GetValueOrDefault(i);
    public int ReleaseById(string id, string ifname)
    {
        var gone = Held.Where(kv => kv.Value == (id, ifname)).Select(kv => kv.Key).ToList();
        foreach (var ip in gone) Held.Remove(ip);
        return gone.Count;
    }
    public IReadOnlyList<IPAddress> GetById(string id, string ifname) => Held.Where(kv => kv.Value == (id, ifname)).Select(kv => kv.Key).ToList();
    public IReadOnlyList<Reservation> List() => Held.Select(kv => new Reservation(kv.Key, kv.Value.Id, kv.Value.If)).ToList();
    public void Release(IPAddress ip) => Held.Remove(ip);
    public bool ReleaseIfOwned(IPAddress ip, string id, string ifname) =>
        Held.TryGetValue(ip, out var o) && o == (id, ifname) && Held.Remove(ip);
    public void Dispose() { }
}
