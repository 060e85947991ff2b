using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Podnet.Api.Validation;

namespace Podnet.ControlPlane.Allocation;

/// <summary>IPv4 addresses of a CIDR (network and broadcast addresses excluded).</summary>
public sealed class IpAllocator
{
    private readonly RangeAllocator _range;
    public Cidr Cidr { get; }

    /// <param name="reserved">Addresses never handed out dynamically (e.g. kube-dns 10.96.0.10).</param>
    /// <param name="staticBand">Low addresses kept for explicit requests; dynamic allocation starts after them.</param>
    public IpAllocator(Cidr cidr, IEnumerable<IPAddress>? reserved = null, int staticBand = 0)
    {
        if (cidr.Network.AddressFamily != AddressFamily.InterNetwork || cidr.PrefixLength > 30)
            throw new ArgumentException($"{cidr} is not an IPv4 range of at least 4 addresses");
        Cidr = cidr;
        var first = ToLong(cidr.Network) + 1;
        var last = ToLong(cidr.Network) + (1L << (32 - cidr.PrefixLength)) - 2;
        _range = new RangeAllocator(first, last, reserved?.Select(ToLong), ToLong(cidr.Network) + staticBand);
    }

    public bool Contains(IPAddress ip) => _range.InRange(ToLong(ip)) && ip.AddressFamily == AddressFamily.InterNetwork;
    public bool IsAllocated(IPAddress ip) => _range.IsAllocated(ToLong(ip));
    public bool TryAllocate(IPAddress ip) => ip.AddressFamily == AddressFamily.InterNetwork && _range.TryAllocate(ToLong(ip));
    public IPAddress? AllocateNext() => _range.AllocateNext() is long v ? FromLong(v) : null;
    public void Release(IPAddress ip) { if (ip.AddressFamily == AddressFamily.InterNetwork) _range.Release(ToLong(ip)); }
    public int Count => _range.Count;

    public static long ToLong(IPAddress ip)
    {
        Span<byte> b = stackalloc byte[16];
        if (!ip.TryWriteBytes(b, out var n) || n != 4) return -1;
        return BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    public static IPAddress FromLong(long v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, (uint)v);
        return new IPAddress(b);
    }
}

/// <summary>Subnets of one size carved from a larger CIDR: /24 node pod CIDRs from 10.244.0.0/16.</summary>
public sealed class SubnetAllocator
{
    private readonly RangeAllocator _range;
    private readonly long _base;
    public Cidr Cidr { get; }
    public int SubnetPrefix { get; }

    public SubnetAllocator(Cidr cidr, int subnetPrefix)
    {
        if (cidr.Network.AddressFamily != AddressFamily.InterNetwork || subnetPrefix < cidr.PrefixLength || subnetPrefix > 32 || subnetPrefix - cidr.PrefixLength > 20)
            throw new ArgumentException($"cannot carve /{subnetPrefix} subnets from {cidr}");
        Cidr = cidr;
        SubnetPrefix = subnetPrefix;
        _base = IpAllocator.ToLong(cidr.Network);
        // Lowest free first: node i of a fresh lab gets the i-th subnet, and a freed one is reused.
        _range = new RangeAllocator(0, (1L << (subnetPrefix - cidr.PrefixLength)) - 1) { NextFit = false };
    }

    public int Count => _range.Count;

    /// <summary>Marks an existing subnet as used; false if it is not one of ours or already taken.</summary>
    public bool TryAllocate(Cidr subnet)
    {
        if (subnet.PrefixLength != SubnetPrefix || !Cidr.Contains(subnet)) return false;
        return _range.TryAllocate(Index(subnet));
    }

    public Cidr? AllocateNext() => _range.AllocateNext() is long i
        ? new Cidr(IpAllocator.FromLong(_base + (i << (32 - SubnetPrefix))), SubnetPrefix) : null;

    public void Release(Cidr subnet)
    {
        if (subnet.PrefixLength == SubnetPrefix && Cidr.Contains(subnet)) _range.Release(Index(subnet));
    }

    private long Index(Cidr subnet) => (IpAllocator.ToLong(subnet.Network) - _base) >> (32 - SubnetPrefix);
}
