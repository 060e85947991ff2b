namespace Podnet.Linux.Netlink;

/// <summary>Names a link by ifindex or by name; converts implicitly from int and string so that
/// calls read <c>rtnl.SetUp("veth0")</c> or <c>rtnl.SetUp(5)</c>.</summary>
public readonly struct LinkRef
{
    public LinkRef(int index) { Index = index; Name = null; }
    public LinkRef(string name) { Index = 0; Name = name ?? throw new ArgumentNullException(nameof(name)); }

    /// <summary>ifindex, or 0 when referenced by name.</summary>
    public int Index { get; }
    public string? Name { get; }

    public static implicit operator LinkRef(int index) => new(index);
    public static implicit operator LinkRef(string name) => new(name);
    public static implicit operator LinkRef(Link link) => new(link.Index);

    /// <summary>As errors show it: <c>"eth0"</c> or <c>ifindex 5</c>.</summary>
    public override string ToString() => Name is null ? "ifindex " + Index : "\"" + Name + "\"";
}
