using System.Diagnostics;
using System.Text.Json.Nodes;
using Podnet.Linux.Netlink;
using Podnet.Testing;

namespace Podnet.Cni.Tests.Kernel;

/// <summary>The outcome of one plugin call: exit code, stdout (parsed when JSON) and stderr.</summary>
public sealed record CniCall(int Exit, string Stdout, string Stderr)
{
    public JsonObject Json => JsonNode.Parse(Stdout)?.AsObject() ?? throw new InvalidOperationException("no JSON on stdout: " + Stderr);
    public CniCall Ok() => Exit == 0 ? this : throw new Xunit.Sdk.XunitException($"plugin failed ({Exit}): {Stdout} {Stderr}");

    /// <summary>Asserts the spec's error JSON: non-zero exit, the code, and a message that names <paramref name="names"/>.</summary>
    public void AssertError(int code, params string[] names)
    {
        Assert.True(Exit != 0, $"expected failure, got success: {Stdout}");
        var e = Json;
        Assert.Equal(code, (int)e["code"]!);
        Assert.False(string.IsNullOrEmpty((string?)e["msg"]));
        Assert.NotNull((string?)e["cniVersion"]);
        string text = (string?)e["msg"] + " " + (string?)e["details"];
        foreach (var n in names) Assert.Contains(n, text);
    }
}

/// <summary>
/// A throwaway "node" namespace in which the plugin runs (its bridge, routes, sysctls and nft rules land
/// there, never in the root namespace), pod namespaces, and a private IPAM data directory.
/// Plugins are started from a thread inside the node namespace, exactly as a runtime on that node would.
/// </summary>
public sealed class CniLab : IDisposable
{
    public TestNetns Node { get; } = new("cni");
    public string DataDir { get; } = Directory.CreateTempSubdirectory("pnt-cni-").FullName;
    readonly List<TestNetns> _pods = [];
    public static string Bin => Binaries.Directory();
    public const string RefBin = "/usr/lib/cni";

    public TestNetns Pod()
    {
        var p = new TestNetns("cni");
        lock (_pods) _pods.Add(p);
        return p;
    }

    public string NetDir(string network = "net1") => Path.Combine(DataDir, network);

    /// <summary>A network configuration for podnet-cni with podnet-ipam on 10.77.0.0/24, plus <paramref name="extra"/> keys.</summary>
    public JsonObject Conf(string version = "1.1.0", JsonObject? extra = null, JsonObject? ipam = null, string type = "podnet-cni")
    {
        var c = new JsonObject
        {
            ["cniVersion"] = version, ["name"] = "net1", ["type"] = type, ["bridge"] = "cni0",
            ["ipam"] = ipam ?? Ipam("podnet-ipam"),
        };
        if (extra is not null) foreach (var (k, v) in extra) c[k] = v?.DeepClone();
        return c;
    }

    public JsonObject Ipam(string type, string subnet = "10.77.0.0/24", JsonObject? extra = null)
    {
        var i = new JsonObject
        {
            ["type"] = type, ["dataDir"] = DataDir,
            ["ranges"] = new JsonArray(new JsonArray(new JsonObject { ["subnet"] = subnet })),
        };
        if (extra is not null) foreach (var (k, v) in extra) i[k] = v?.DeepClone();
        return i;
    }

    /// <summary>Runs a plugin binary inside the node namespace with CNI_* variables and stdin, like a runtime.</summary>
    public CniCall Call(string command, string containerId, string? netns, JsonNode? conf, string ifname = "eth0",
        string binary = "podnet-cni", string? cniPath = null, string? args = null, Dictionary<string, string?>? env = null, string? stdin = null)
    {
        string path = binary.Contains('/') ? binary : Path.Combine(Bin, binary);
        return Node.Ns.Run(() =>
        {
            var psi = new ProcessStartInfo(path)
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            psi.Environment["CNI_COMMAND"] = command;
            psi.Environment["CNI_CONTAINERID"] = containerId;
            psi.Environment["CNI_NETNS"] = netns ?? "";
            psi.Environment["CNI_IFNAME"] = ifname;
            psi.Environment["CNI_PATH"] = cniPath ?? $"{Bin}:{RefBin}";
            if (args is not null) psi.Environment["CNI_ARGS"] = args;
            if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            // A plugin may exit before reading stdin (e.g. on a bad CNI_* variable): like libcni, ignore EPIPE.
            try
            {
                p.StandardInput.Write(stdin ?? conf?.ToJsonString() ?? "");
                p.StandardInput.Close();
            }
            catch (IOException) { }
            string output = p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(30_000)) { p.Kill(); throw new TimeoutException($"{binary} {command} hung"); }
            return new CniCall(p.ExitCode, output, err.Result);
        });
    }

    public ShResult InNode(params string[] argv) => Node.Exec(argv);

    /// <summary>Links of the node namespace whose kind is veth.</summary>
    public List<Link> NodeVeths()
    {
        using var rt = Rtnl.Open(Node.Ns);
        return rt.ListLinks().Where(l => l.Kind == "veth").ToList();
    }

    /// <summary>Waits (bounded) until the node has no veth left; DEL leaves the unregister to a detached reaper.</summary>
    public void AssertNoVethLeft(Func<Link, bool>? which = null)
    {
        var sw = Stopwatch.StartNew();
        List<Link> left;
        while ((left = NodeVeths().Where(which ?? (_ => true)).ToList()).Count > 0 && sw.ElapsedMilliseconds < 15_000) Thread.Sleep(50);
        Assert.True(left.Count == 0, "veths left in node: " + string.Join(", ", left.Select(l => l.Name)));
    }

    /// <summary>The reservation files of a network's IPAM directory (not lock / last_reserved_ip.N / podnet's owner
    /// hints / podnet's directory stamp, which like lock and last_reserved_ip.N stay with the directory).</summary>
    public List<string> IpFiles(string network = "net1") =>
        Directory.Exists(NetDir(network))
            ? Directory.GetFiles(NetDir(network)).Select(f => Path.GetFileName(f)!)
                .Where(f => f != "lock" && f != ".podnet-stamp" && !f.StartsWith("last_reserved_ip") && !f.StartsWith(".podnet-owner-")).Order().ToList()
            : [];

    /// <summary>podnet-ipam's per-attachment owner hints (symlinks ".podnet-owner-&lt;hash&gt;") and their targets.</summary>
    public List<string> OwnerHints(string network = "net1") =>
        Directory.Exists(NetDir(network))
            ? Directory.GetFiles(NetDir(network), ".podnet-owner-*").Select(f => new FileInfo(f).LinkTarget ?? "(not a link)").Order().ToList()
            : [];

    public static bool Ping(TestNetns from, string ip) =>
        Enumerable.Range(0, 3).Any(_ => from.Exec("ping", "-c", "1", "-W", "1", ip).Ok);

    public void Dispose()
    {
        foreach (var p in _pods) p.Dispose();
        Node.Dispose();
        try { Directory.Delete(DataDir, true); } catch (DirectoryNotFoundException) { }
    }
}
