namespace Podnet.Cni.Tests.Kernel;

/// <summary>
/// podnet-ipam's directory stamp: ADD and DEL answer "which addresses does this attachment hold" from the
/// owner hints alone while the data directory's mtime is the one podnet-ipam stamped, and read every
/// reservation again after anybody else changed the directory.
/// </summary>
public class IpamStampTests
{
    static string Ip(CniCall c) => (string)c.Json["ips"]![0]!["address"]!;

    [Fact]
    public void Podnet_ipam_trusts_its_hints_only_while_nobody_else_changed_the_data_dir()
    {
        using var lab = new CniLab();
        // A data directory on disk, as /var/lib/cni is: the stamp is only used where a directory's mtime
        // tells every change apart (ext4/xfs/btrfs on Linux 6.13+), and /tmp may be a tmpfs.
        var data = Directory.CreateDirectory($"/var/tmp/pnt-cni-stamp-{Guid.NewGuid():n}").FullName;
        try
        {
            Assert.True(Podnet.Linux.FileSystemTimes.MtimeSeesEveryChange(data),
                $"{data}: this test needs Linux 6.13+ and ext4, xfs or btrfs under /var/tmp");
            Run(lab, data);
        }
        finally { Directory.Delete(data, true); }
    }

    static void Run(CniLab lab, string data)
    {
        var dataDir = new System.Text.Json.Nodes.JsonObject { ["dataDir"] = data };
        var ours = lab.Conf("1.0.0", ipam: lab.Ipam("podnet-ipam", extra: dataDir), type: "bridge");
        var theirs = lab.Conf("1.0.0", ipam: lab.Ipam("host-local", extra: dataDir), type: "bridge");
        string refIpam = $"{CniLab.RefBin}/host-local", dir = Path.Combine(data, "net1");
        List<string> IpFiles() => Directory.GetFiles(dir).Select(f => Path.GetFileName(f)!)
            .Where(f => System.Net.IPAddress.TryParse(f, out _)).Order().ToList();
        Assert.Equal("10.77.0.2/24", Ip(lab.Call("ADD", "a", "/x", ours, binary: "podnet-ipam").Ok()));
        Assert.Equal("10.77.0.3/24", Ip(lab.Call("ADD", "b", "/x", ours, binary: "podnet-ipam").Ok()));
        lab.Call("DEL", "b", "/x", ours, binary: "podnet-ipam").Ok();
        Assert.True(File.Exists(Path.Combine(dir, ".podnet-stamp")));
        // Its own duplicate, found from the hint.
        lab.Call("ADD", "a", "/x", ours, binary: "podnet-ipam").AssertError(7, "duplicate", "10.77.0.2");

        // A reservation slipped in behind the stamp's back (the directory mtime put back) is not looked
        // for: this proves ADD does not read every reservation while the stamp holds...
        var stamped = Directory.GetLastWriteTimeUtc(dir);
        File.WriteAllText(Path.Combine(dir, "10.77.0.50"), "x\r\neth0");
        Directory.SetLastWriteTimeUtc(dir, stamped);
        Assert.Equal("10.77.0.4/24", Ip(lab.Call("ADD", "x", "/x", ours, binary: "podnet-ipam").Ok()));
        // ...while the same file written as anyone else writes it (mtime left alone) is found.
        File.WriteAllText(Path.Combine(dir, "10.77.0.51"), "z\r\neth0");
        lab.Call("ADD", "z", "/x", ours, binary: "podnet-ipam").AssertError(7, "duplicate", "10.77.0.51");
        File.Delete(Path.Combine(dir, "10.77.0.50"));
        File.Delete(Path.Combine(dir, "10.77.0.51"));

        // host-local changing the directory (a reservation without a hint) makes the next podnet-ipam
        // ADD and DEL read every reservation: its duplicate is refused, its reservation released.
        lab.Call("DEL", "x", "/x", ours, binary: "podnet-ipam").Ok();
        Assert.Equal("10.77.0.5/24", Ip(lab.Call("ADD", "y", "/x", theirs, binary: refIpam).Ok()));
        lab.Call("ADD", "y", "/x", ours, binary: "podnet-ipam").AssertError(7, "duplicate", "10.77.0.5");
        lab.Call("DEL", "y", "/x", ours, binary: "podnet-ipam").Ok();
        Assert.Equal(["10.77.0.2"], IpFiles());
        // With only podnet-ipam's reservations left, the next ADD that reads them all finds a hint for
        // each and stamps the directory again: a slipped-in reservation is again not looked for.
        Assert.Equal("10.77.0.6/24", Ip(lab.Call("ADD", "v", "/x", ours, binary: "podnet-ipam").Ok()));
        stamped = Directory.GetLastWriteTimeUtc(dir);
        File.WriteAllText(Path.Combine(dir, "10.77.0.60"), "w\r\neth0");
        Directory.SetLastWriteTimeUtc(dir, stamped);
        Assert.Equal("10.77.0.7/24", Ip(lab.Call("ADD", "w", "/x", ours, binary: "podnet-ipam").Ok()));
    }
}
