using System.Net;

namespace Podnet.Cni.Ipam;

/// <summary>An address held by an attachment.</summary>
public sealed record Reservation(IPAddress Ip, string ContainerId, string IfName);

/// <summary>
/// Where reservations live (the host-local "Store" seam). The disk store is the real one; the seam lets
/// the allocator be tested on pure logic. Callers hold <see cref="Lock"/> around every sequence of calls.
/// </summary>
public interface IIpamStore : IDisposable
{
    IDisposable Lock();
    /// <summary>Reserves ip for (id, ifname); false when it is already taken.</summary>
    bool Reserve(string id, string ifname, IPAddress ip, int rangeSetIndex);
    IPAddress? LastReservedIp(int rangeSetIndex);
    /// <summary>Releases every address of (id, ifname); returns how many.</summary>
    int ReleaseById(string id, string ifname);
    IReadOnlyList<IPAddress> GetById(string id, string ifname);
    IReadOnlyList<Reservation> List();
    void Release(IPAddress ip);
    /// <summary>Releases ip only if it is still held by (id, ifname) (or by id alone, old format).</summary>
    bool ReleaseIfOwned(IPAddress ip, string id, string ifname);
    /// <summary>Drops any bookkeeping for (id, ifname) after its addresses were released.</summary>
    void Forget(string id, string ifname) { }
    /// <summary>Drops bookkeeping whose addresses someone else released (GC).</summary>
    void PruneForgotten() { }
    /// <summary>Called under the lock after the last change of an ADD or DEL (lets the store record that
    /// its bookkeeping is complete).</summary>
    void Commit() { }
}
