using System.Text;

namespace Podnet.Dns.Wire;

/// <summary>
/// Domain names in wire form (length-prefixed labels ending with the root byte 0).
/// Reading is strict: labels of at most 63 bytes, names of at most 255 bytes, and compression
/// pointers only to earlier offsets, which rules out loops and forward references.
/// </summary>
public static class DnsName
{
    /// <summary>
    /// Reads the name at <paramref name="offset"/>, following compression pointers, into
    /// <paramref name="dest"/> (at least 255 bytes) in uncompressed wire form, ASCII-lowercased when
    /// <paramref name="lower"/>. On success <paramref name="offset"/> points past the name as stored.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> msg, ref int offset, Span<byte> dest, out int length, bool lower = true)
    {
        length = 0;
        int pos = offset, end = -1, hops = 0;
        int segmentStart = pos; // pointers must point strictly before the segment being read
        while (true)
        {
            if ((uint)pos >= (uint)msg.Length) return false;
            int b = msg[pos];
            if (b == 0)
            {
                if (length + 1 > DnsLimits.MaxName || dest.Length < length + 1) return false;
                dest[length++] = 0;
                offset = end >= 0 ? end : pos + 1;
                return true;
            }
            switch (b & 0xC0)
            {
                case 0xC0:
                    if (pos + 1 >= msg.Length) return false;
                    int target = ((b & 0x3F) << 8) | msg[pos + 1];
                    if (target >= segmentStart || ++hops > DnsLimits.MaxPointerHops) return false;
                    if (end < 0) end = pos + 2;
                    pos = segmentStart = target;
                    continue;
                case 0x00:
                    if (pos + 1 + b > msg.Length) return false;
                    if (length + 1 + b + 1 > DnsLimits.MaxName || dest.Length < length + 1 + b) return false;
                    dest[length++] = (byte)b;
                    var label = msg.Slice(pos + 1, b);
                    var o = dest.Slice(length, b);
                    if (lower) AsciiLower(label, o); else label.CopyTo(o);
                    length += b;
                    pos += 1 + b;
                    continue;
                default:
                    return false; // 0x40/0x80: extended and reserved label types (RFC 6891 6.2)
            }
        }
    }

    /// <summary>Skips a (possibly compressed) name without decoding; validates the same limits.</summary>
    public static bool TrySkip(ReadOnlySpan<byte> msg, ref int offset)
    {
        Span<byte> scratch = stackalloc byte[DnsLimits.MaxName];
        return TryRead(msg, ref offset, scratch, out _, lower: false);
    }

    public static void AsciiLower(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        for (int i = 0; i < src.Length; i++)
        {
            byte c = src[i];
            dst[i] = (uint)(c - 'A') <= 'Z' - 'A' ? (byte)(c | 0x20) : c;
        }
    }

    /// <summary>True when <paramref name="name"/> equals <paramref name="zone"/> or lies below it (both lowercase wire form).</summary>
    public static bool IsInZone(ReadOnlySpan<byte> name, ReadOnlySpan<byte> zone)
    {
        if (zone.Length == 1) return true; // root
        if (name.Length < zone.Length) return false;
        // Walk label boundaries of name so "xcluster.local" does not match "cluster.local".
        int pos = 0;
        while (pos < name.Length)
        {
            if (name.Length - pos == zone.Length) return name[pos..].SequenceEqual(zone);
            if (name.Length - pos < zone.Length || name[pos] == 0) return false;
            pos += 1 + name[pos];
        }
        return false;
    }

    /// <summary>Number of labels, root excluded.</summary>
    public static int LabelCount(ReadOnlySpan<byte> name)
    {
        int n = 0, pos = 0;
        while (pos < name.Length && name[pos] != 0) { n++; pos += 1 + name[pos]; }
        return n;
    }

    /// <summary>Encodes presentation text ("a.b.c" or "a.b.c.") to lowercase wire form; throws on bad names.</summary>
    public static byte[] FromText(string text)
    {
        if (!TryFromText(text, out var wire, out var error))
            throw new FormatException($"invalid DNS name \"{text}\": {error}");
        return wire;
    }

    public static bool TryFromText(string text, out byte[] wire, out string? error, bool lower = true)
    {
        wire = [];
        error = null;
        var t = text.EndsWith('.') ? text[..^1] : text;
        if (t.Length == 0) { wire = [0]; return true; }
        var buf = new List<byte>(t.Length + 2);
        foreach (var label in t.Split('.'))
        {
            if (label.Length == 0) { error = "empty label"; return false; }
            if (label.Length > DnsLimits.MaxLabel) { error = $"label \"{label}\" is longer than 63 bytes"; return false; }
            if (label.Any(c => c > 0x7E || c <= 0x20)) { error = $"label \"{label}\" has a non-printable or non-ASCII character"; return false; }
            buf.Add((byte)label.Length);
            foreach (var c in label) buf.Add((byte)(lower ? char.ToLowerInvariant(c) : c));
        }
        buf.Add(0);
        if (buf.Count > DnsLimits.MaxName) { error = "name is longer than 255 bytes"; return false; }
        wire = buf.ToArray();
        return true;
    }

    /// <summary>Presentation form with a trailing dot; the root is ".".</summary>
    public static string ToText(ReadOnlySpan<byte> wire)
    {
        if (wire.Length == 0 || wire[0] == 0) return ".";
        var sb = new StringBuilder(wire.Length + 1);
        int pos = 0;
        while (pos < wire.Length && wire[pos] != 0)
        {
            int len = wire[pos];
            foreach (var c in wire.Slice(pos + 1, len))
            {
                if (c == '.' || c == '\\') sb.Append('\\').Append((char)c);
                else if (c <= 0x20 || c >= 0x7F) sb.Append('\\').Append(((int)c).ToString("D3"));
                else sb.Append((char)c);
            }
            sb.Append('.');
            pos += 1 + len;
        }
        return sb.ToString();
    }
}
