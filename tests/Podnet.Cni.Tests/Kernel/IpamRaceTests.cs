namespace Podnet.Cni.Tests.Kernel;

/// <summary>
/// The directory stamp under racing writers: two podnet-ipam processes and the reference host-local
/// reserving, releasing and re-adding in one data directory at the same time. No address may be handed
/// out twice, and after host-local wrote, podnet-ipam must still refuse a duplicate and release
/// host-local's reservation on DEL (the stamp must not make it skip the scan).
/// </summary>
public class IpamRaceTests
{
    static List<string> IpFiles(string dir) =>
        Directory.GetFiles(dir).Select(f => Path.GetFileName(f)!).Where(f => System.Net.IPAddress.TryParse(f, out _)).Order().ToList();

    static string Ip(CniCall c) => ((string)c.Json["ips"]![0]!["address"]!).Split('/')[0];

    [Fact]
    public async Task Racing_podnet_ipam_and_host_local_never_share_an_address_or_skip_a_duplicate()
    {
        using var lab = new CniLab();
        // On disk, as /var/lib/cni is (the stamp is only used where the mtime sees every change; /tmp may be tmpfs).
        var data = Directory.CreateDirectory($"/var/tmp/pnt-cni-race-{Guid.NewGuid():n}").FullName;
        try
        {
            Assert.True(Podnet.Linux.FileSystemTimes.MtimeSeesEveryChange(data),
                $"{data}: this test needs Linux 6.13+ and ext4, xfs or btrfs under /var/tmp");
            var dataDir = new System.Text.Json.Nodes.JsonObject { ["dataDir"] = data };
            var ours = lab.Conf("1.0.0", ipam: lab.Ipam("podnet-ipam", extra: dataDir), type: "bridge");
            var theirs = lab.Conf("1.0.0", ipam: lab.Ipam("host-local", extra: dataDir), type: "bridge");
            string refIpam = $"{CniLab.RefBin}/host-local", dir = Path.Combine(data, "net1");
            var held = new Dictionary<string, string>(); // container id -> address, for the live attachments

            for (int round = 0; round < 6; round++)
            {
                string h = $"h{round}", p = $"p{round}", q = $"q{round}";
                // Each round: three ADDs and the previous round's three DELs, all at once.
                var work = new List<(string Id, bool Add, bool Ref)> { (h, true, true), (p, true, false), (q, true, false) };
                if (round > 0) work.AddRange([($"h{round - 1}", false, true), ($"p{round - 1}", false, false), ($"q{round - 1}", false, false)]);
                var calls = work.Select(w => Task.Run(() => (w, lab.Call(w.Add ? "ADD" : "DEL", w.Id, "/x", w.Ref ? theirs : ours,
                    binary: w.Ref ? refIpam : "podnet-ipam")))).ToArray();
                foreach (var (w, c) in await Task.WhenAll(calls))
                {
                    c.Ok();
                    if (w.Add) held[w.Id] = Ip(c); else held.Remove(w.Id);
                }
                Assert.Equal(held.Count, held.Values.Distinct().Count());
                // The files are exactly the live attachments' addresses, each with its owner.
                var files = IpFiles(dir);
                Assert.Equal(held.Values.Order().ToList(), files);
                foreach (var (id, ip) in held) Assert.Equal($"{id}\r\neth0", File.ReadAllText(Path.Combine(dir, ip)));
                // host-local's attachment is a duplicate for podnet-ipam too, however the writes interleaved.
                lab.Call("ADD", h, "/x", ours, binary: "podnet-ipam").AssertError(7, "duplicate", held[h]);
            }
            // podnet-ipam releases everything, host-local's reservations included.
            foreach (var id in held.Keys.ToList()) lab.Call("DEL", id, "/x", ours, binary: "podnet-ipam").Ok();
            Assert.Empty(IpFiles(dir));
        }
        finally { Directory.Delete(data, true); }
    }
}
