using System.Buffers.Binary;
using System.Diagnostics;
using Podnet.Linux.Tun;
using static Podnet.Linux.Tests.NsRtnl;

namespace Podnet.Linux.Tests;

public class TunTests
{
    [Fact]
    public void PingIsAnsweredThroughTheTunDevice()
    {
        using var a = new NsRtnl();
        using var tun = TunDevice.Open(a.T.Ns, "pn-tun0");
        Assert.Equal("pn-tun0", tun.Name);
        Assert.Equal("tun", a.R.GetLink("pn-tun0").Kind);
        a.R.AddAddress("pn-tun0", Ip("10.77.0.1"), 24);
        a.R.SetUp("pn-tun0");

        using var ping = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", a.Name, "ping", "-c", "1", "-W", "5", "10.77.0.2"])
            { RedirectStandardOutput = true })!;
        try
        {
            // Read until the echo request shows up (the kernel may also send IPv6 router solicitations).
            var buf = new byte[2048];
            int len = 0;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < TimeSpan.FromSeconds(5))
            {
                len = tun.Read(buf, 1000);
                if (len >= 28 && buf[0] >> 4 == 4 && buf[9] == 1 && buf[20] == 8) break;
                len = 0;
            }
            Assert.True(len > 0, "no ICMP echo request came out of the TUN device");
            Assert.Equal(Ip("10.77.0.1"), new System.Net.IPAddress(buf.AsSpan(12, 4)));
            Assert.Equal(Ip("10.77.0.2"), new System.Net.IPAddress(buf.AsSpan(16, 4)));

            // Answer it: swap addresses, echo reply, fix the ICMP checksum (the IP one is unchanged by a swap).
            var pkt = buf.AsSpan(0, len);
            int ihl = (pkt[0] & 0xf) * 4;
            Span<byte> src = stackalloc byte[4];
            pkt.Slice(12, 4).CopyTo(src);
            pkt.Slice(16, 4).CopyTo(pkt.Slice(12, 4));
            src.CopyTo(pkt.Slice(16, 4));
            pkt[ihl] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(pkt[(ihl + 2)..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(pkt[(ihl + 2)..], Checksum(pkt[ihl..]));
            tun.Write(pkt);

            Assert.True(ping.WaitForExit(10_000));
            Assert.Equal(0, ping.ExitCode);
            Assert.Contains("1 received", ping.StandardOutput.ReadToEnd());
        }
        finally { if (!ping.HasExited) ping.Kill(entireProcessTree: true); }
    }

    [Fact]
    public void ReadTimesOutAndClosingRemovesTheDevice()
    {
        using var a = new NsRtnl();
        using (var tun = TunDevice.Open(a.T.Ns, "pn-tun1", multiQueue: true))
        {
            using var second = TunDevice.Open(a.T.Ns, "pn-tun1", multiQueue: true); // another queue
            Assert.Equal(0, tun.Read(new byte[1500], 50));
            var info = a.T.IpJson("-d", "link", "show", "dev", "pn-tun1")[0].GetProperty("linkinfo").GetProperty("info_data");
            Assert.True(info.GetProperty("multi_queue").GetBoolean());
            Assert.False(info.GetProperty("pi").GetBoolean());
            Assert.Equal(2, info.GetProperty("numqueues").GetInt32());
        }
        Assert.Null(a.R.FindLink("pn-tun1"));
        var e = Assert.Throws<PodnetLinuxException>(() => TunDevice.Open(a.T.Ns, "pn-tun-name-too-long"));
        Assert.Equal(Errno.EINVAL, e.Errno);
    }

    private static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (int i = 0; i + 1 < data.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if ((data.Length & 1) != 0) sum += (uint)data[^1] << 8;
        while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
