using System.Buffers.Binary;
using System.Text;

namespace Podnet.ControlPlane.Storage;

/// <summary>A log/snapshot record: <c>[u32 length][u32 crc32][u8 op][i64 revision][u16 keyLen][key][value]</c>,
/// little-endian; length and crc cover everything after the crc.</summary>
public readonly record struct LogRecord(LogOp Op, long Revision, string Key, byte[] Value)
{
    private const int HeaderSize = 8;
    public const int MaxRecord = 64 << 20;

    public byte[] Encode()
    {
        var keyBytes = Encoding.UTF8.GetBytes(Key);
        var bodyLen = 1 + 8 + 2 + keyBytes.Length + Value.Length;
        var buf = new byte[HeaderSize + bodyLen];
        var body = buf.AsSpan(HeaderSize);
        body[0] = (byte)Op;
        BinaryPrimitives.WriteInt64LittleEndian(body[1..], Revision);
        BinaryPrimitives.WriteUInt16LittleEndian(body[9..], checked((ushort)keyBytes.Length));
        keyBytes.CopyTo(body[11..]);
        Value.CopyTo(body[(11 + keyBytes.Length)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(buf, (uint)bodyLen);
        BinaryPrimitives.WriteUInt32LittleEndian(buf.AsSpan(4), Crc32.Compute(body));
        return buf;
    }

    /// <summary>Reads records until the end or the first incomplete/corrupt one; returns the
    /// records and the byte offset where the valid prefix ends.</summary>
    public static (List<LogRecord> Records, long ValidLength) ReadAll(ReadOnlySpan<byte> data)
    {
        var list = new List<LogRecord>();
        long pos = 0;
        while (data.Length - pos >= HeaderSize)
        {
            var span = data[(int)pos..];
            var len = BinaryPrimitives.ReadUInt32LittleEndian(span);
            var crc = BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
            if (len < 11 || len > MaxRecord || span.Length - HeaderSize < len) break;
            var body = span.Slice(HeaderSize, (int)len);
            if (Crc32.Compute(body) != crc) break;
            var keyLen = BinaryPrimitives.ReadUInt16LittleEndian(body[9..]);
            if (11 + keyLen > body.Length) break;
            list.Add(new LogRecord((LogOp)body[0], BinaryPrimitives.ReadInt64LittleEndian(body[1..]),
                Encoding.UTF8.GetString(body.Slice(11, keyLen)), body[(11 + keyLen)..].ToArray()));
            pos += HeaderSize + len;
        }
        return (list, pos);
    }
}

public enum LogOp : byte { Header = 0, Put = 1, Delete = 2 }
