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
        // The kernel removes the device when the last descriptor closes. A parallel test's process
        // start forks this process, and the child holds a copy of the (O_CLOEXEC) descriptor until its
        // exec, so allow that moment; a descriptor leaked for good would still fail here.
        var deadline = DateTime.UtcNow.AddSeconds(3);
        while (a.R.FindLink("pn-tun1") is not null && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.Null(a.R.FindLink("pn-tun1"));
        var e = Assert.Throws<PodnetLinuxException>(() => TunDevice.Open(a.T.Ns, "pn-tun-name-too-long"));
        Assert.Equal(Errno.EINVAL, e.Errno);
    }

    [Fact]
    public void Offload_device_hands_out_partial_checksums_that_we_complete_and_persists()
    {
        using var a = new NsRtnl();
        using (var tun = TunDevice.Open(a.T.Ns, "pn-tun2", persist: true, offload: true))
        {
            Assert.True(tun.HasVnetHdr);
            Assert.Equal(TunDevice.OffloadCsum | TunDevice.OffloadTso4, tun.Offloads & (TunDevice.OffloadCsum | TunDevice.OffloadTso4));
            a.R.AddAddress("pn-tun2", Ip("10.77.0.1"), 24);
            a.R.SetUp("pn-tun2");
            // A TCP SYN to a peer behind the TUN: with checksum offload it comes out partial.
            using var s = a.T.Ns.Run(() => new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp));
            _ = s.ConnectAsync(Ip("10.77.0.2"), 80);
            var buf = new byte[70000];
            int len = 0;
            var sw = Stopwatch.StartNew();
            while (sw.Elapsed < TimeSpan.FromSeconds(5))
            {
                len = tun.Read(buf, 1000);
                if (len >= Datapath.VnetHdr.Size + 40 && buf[Datapath.VnetHdr.Size] >> 4 == 4 && buf[Datapath.VnetHdr.Size + 9] == 6) break;
                len = 0;
            }
            Assert.True(len > 0, "no TCP SYN came out of the TUN device");
            var hdr = buf.AsSpan(0, Datapath.VnetHdr.Size);
            var pkt = buf.AsSpan(Datapath.VnetHdr.Size, len - Datapath.VnetHdr.Size);
            Assert.Equal(Datapath.VnetHdr.FlagNeedsCsum, Datapath.VnetHdr.Flags(hdr));
            Assert.Equal((20, 16), (Datapath.VnetHdr.CsumStart(hdr), Datapath.VnetHdr.CsumOffset(hdr)));
            Assert.True(Datapath.VnetHdr.FinishChecksum(hdr, pkt));
            uint sum = (uint)Datapath.VnetHdr.OnesComplementSum(pkt[20..]) + Datapath.GsoSplit.PseudoHeaderSum(pkt[12..16], pkt[16..20], 6, pkt.Length - 20);
            while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
            Assert.Equal(0xffffu, sum);
        }
        // Persistent: the device outlives its descriptor and a new one attaches to it.
        Assert.NotNull(a.R.FindLink("pn-tun2"));
        int index = a.R.GetLink("pn-tun2").Index;
        using (var again = TunDevice.Open(a.T.Ns, "pn-tun2"))
            Assert.Equal((0u, false), (again.Offloads, again.HasVnetHdr));
        Assert.Equal(index, a.R.GetLink("pn-tun2").Index);
        a.R.DeleteLink("pn-tun2");
        Assert.Null(a.R.FindLink("pn-tun2"));
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
