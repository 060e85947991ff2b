using System.Buffers.Binary;
using Podnet.Linux.Netlink;

namespace Podnet.Linux.Tests;

public class CodecTests
{
    [Fact]
    public void BuilderWritesHeaderAndAlignedNestedAttributesThatTheReaderWalks()
    {
        var b = new NetlinkMessageBuilder();
        b.Begin(Nl.RTM_NEWLINK, Nl.F_ACK);
        b.Struct(Nl.IfInfoMsgSize)[0] = 7;
        b.String(Nl.IFLA_IFNAME, "br0"); // 4 + 4 bytes, no padding
        int li = b.BeginNested(Nl.IFLA_LINKINFO);
        b.String(Nl.IFLA_INFO_KIND, "vxlan"); // 4 + 6, padded to 12
        int d = b.BeginNested(Nl.IFLA_INFO_DATA);
        b.U32(Nl.IFLA_VXLAN_ID, 42);
        b.U16BigEndian(Nl.IFLA_VXLAN_PORT, 8472);
        b.EndNested(d);
        b.EndNested(li);
        var msg = b.Finish(99).ToArray();

        Assert.Equal(msg.Length, (int)BinaryPrimitives.ReadUInt32LittleEndian(msg));
        Assert.Equal(0, msg.Length % 4);
        Assert.Equal(Nl.RTM_NEWLINK, BinaryPrimitives.ReadUInt16LittleEndian(msg.AsSpan(4)));
        Assert.Equal(Nl.F_ACK | Nl.F_REQUEST, BinaryPrimitives.ReadUInt16LittleEndian(msg.AsSpan(6)));
        Assert.Equal(99u, BinaryPrimitives.ReadUInt32LittleEndian(msg.AsSpan(8)));
        Assert.Equal(7, msg[16]);

        var top = new NetlinkAttributes(msg.AsSpan(16 + Nl.IfInfoMsgSize));
        Assert.True(top.MoveNext());
        Assert.Equal(Nl.IFLA_IFNAME, top.Type);
        Assert.Equal("br0", top.String);
        Assert.True(top.MoveNext());
        Assert.Equal(Nl.IFLA_LINKINFO, top.Type);
        var info = new NetlinkAttributes(top.Value);
        Assert.True(info.MoveNext());
        Assert.Equal("vxlan", info.String);
        Assert.True(info.MoveNext());
        var data = new NetlinkAttributes(info.Value);
        Assert.True(data.MoveNext());
        Assert.Equal(42u, data.U32);
        Assert.True(data.MoveNext());
        Assert.Equal(8472, data.U16BigEndian);
        Assert.False(data.MoveNext());
        Assert.False(info.MoveNext());
        Assert.False(top.MoveNext());
    }

    [Fact]
    public void ReaderStopsAtMalformedAttributes()
    {
        byte[] bad = [8, 0, 1, 0, 1, 2, 3, 4, /* claims 200 bytes: */ 200, 0, 2, 0, 0, 0];
        var r = new NetlinkAttributes(bad);
        Assert.True(r.MoveNext());
        Assert.Equal(1, r.Type);
        Assert.False(r.MoveNext());
        byte[] tooShort = [2, 0, 1, 0];
        Assert.False(new NetlinkAttributes(tooShort).MoveNext());
        // The NLA_F_NESTED flag is masked off the type.
        byte[] nested = [4, 0, 0x12, 0x80];
        var n = new NetlinkAttributes(nested);
        Assert.True(n.MoveNext());
        Assert.Equal(0x12, n.Type);
    }

    [Theory]
    [InlineData("02:aa:bb:cc:dd:ee")]
    [InlineData("00:00:00:00:00:00")]
    [InlineData("ff:ff:ff:ff:ff:ff")]
    public void MacRoundTrips(string s)
    {
        var m = MacAddress.Parse(s);
        Assert.Equal(s, m.ToString());
        Span<byte> b = stackalloc byte[6];
        m.WriteTo(b);
        Assert.Equal(m, MacAddress.FromBytes(b));
        Assert.Equal(m, MacAddress.Parse(s.ToUpperInvariant().Replace(':', '-')));
    }

    [Theory]
    [InlineData("02:aa:bb:cc:dd")]
    [InlineData("02:aa:bb:cc:dd:eg")]
    [InlineData("02.aa.bb.cc.dd.ee")]
    [InlineData("")]
    public void BadMacsAreRejected(string s)
    {
        Assert.False(MacAddress.TryParse(s, out _));
        Assert.Throws<FormatException>(() => MacAddress.Parse(s));
    }

    [Fact]
    public void RandomMacIsLocalUnicast()
    {
        Span<byte> b = stackalloc byte[6];
        for (int i = 0; i < 50; i++)
        {
            MacAddress.NewRandom().WriteTo(b);
            Assert.Equal(0x02, b[0] & 0x03);
        }
    }
}
