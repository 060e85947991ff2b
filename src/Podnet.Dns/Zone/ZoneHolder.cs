namespace Podnet.Dns.Zone;

/// <summary>Holds the current index; readers take it once per query, writers swap a whole new one.</summary>
public sealed class ZoneHolder(ZoneIndex initial)
{
    private ZoneIndex _current = initial;
    public ZoneIndex Current => Volatile.Read(ref _current);
    public void Swap(ZoneIndex next) => Volatile.Write(ref _current, next);
}
