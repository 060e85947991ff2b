using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Podnet.Cni.Spec;

namespace Podnet.Cni.Tests.Unit;

public class SpecTests
{
    static Dictionary<string, string?> Env(string cmd) => new()
    {
        ["CNI_COMMAND"] = cmd, ["CNI_CONTAINERID"] = "c1", ["CNI_NETNS"] = "/var/run/netns/x", ["CNI_IFNAME"] = "eth0",
    };

    [Theory]
    [InlineData("CNI_COMMAND", null, "CNI_COMMAND")]
    [InlineData("CNI_COMMAND", "FOO", "CNI_COMMAND")]
    [InlineData("CNI_CONTAINERID", null, "CNI_CONTAINERID")]
    [InlineData("CNI_CONTAINERID", "-bad", "CNI_CONTAINERID")]
    [InlineData("CNI_CONTAINERID", "a b", "CNI_CONTAINERID")]
    [InlineData("CNI_IFNAME", null, "CNI_IFNAME")]
    [InlineData("CNI_IFNAME", "a-name-that-is-too-long", "CNI_IFNAME")]
    [InlineData("CNI_IFNAME", "a/b", "CNI_IFNAME")]
    [InlineData("CNI_NETNS", null, "CNI_NETNS")]
    public void Bad_environment_is_code_4_naming_the_variable(string name, string? value, string named)
    {
        var env = Env("ADD");
        env[name] = value;
        var e = Assert.Throws<CniException>(() => CniEnv.From(k => env.GetValueOrDefault(k)));
        Assert.Equal(CniErrorCode.InvalidEnvironment, e.Code);
        Assert.Contains(named, e.Message + e.Details);
    }

    [Fact]
    public void A_lone_surrogate_escape_is_a_decode_failure_not_an_internal_error()
    {
        var e = Assert.Throws<CniException>(() => Podnet.Cni.Config.NetConf.ParseObject("""{"cniVersion":"1.0.0","name":"\ud800x","type":"podnet-cni"}"""u8));
        Assert.Equal(CniErrorCode.DecodeFailure, e.Code);
        Assert.Contains("not valid UTF-16", e.Details);
    }

    static (int Rc, JsonNode Out, string Err) RunMain(string command, byte[] stdin)
    {
        var env = Env(command);
        using var stdout = new MemoryStream();
        using var stderr = new StringWriter();
        int rc = Podnet.Cni.Commands.PluginMain.Run("podnet-cni", k => env.GetValueOrDefault(k), new MemoryStream(stdin), stdout, stderr,
            (_, _, _) => throw new Xunit.Sdk.XunitException("the plugin must not run on bad input"));
        return (rc, JsonNode.Parse(stdout.ToArray())!, stderr.ToString());
    }

    // The error path reads cniVersion again to answer in the config's version; that second read used to let
    // InvalidOperationException escape, so the process aborted with a stack trace and no error JSON.
    [Theory]
    [InlineData("""{"cniVersion":"\ud800","name":"n","type":"podnet-cni"}""", "UTF-16")]
    [InlineData("""{"cniVersion":"<FF>","name":"n","type":"podnet-cni"}""", "UTF-8")]
    public void A_cniVersion_that_cannot_be_decoded_is_a_decode_failure(string json, string named)
    {
        // <FF> stands for a lone 0xFF byte: not UTF-8.
        var text = Encoding.UTF8.GetBytes(json).AsSpan();
        int at = text.IndexOf("<FF>"u8);
        byte[] stdin = at < 0 ? text.ToArray() : [.. text[..at], 0xFF, .. text[(at + 4)..]];
        var (rc, o, _) = RunMain("ADD", stdin);
        Assert.Equal(1, rc);
        Assert.Equal(6, (int)o["code"]!);
        Assert.Contains(named, (string)o["details"]!);
    }

    // JSON allows "\u0000" in a string, a file name does not: .NET's file APIs threw ArgumentException, which
    // came out as code 100 with a stack trace. Runs in IPAM mode (type "other" delegating to podnet-ipam).
    [Theory]
    [InlineData("dataDir")]
    [InlineData("resolvConf")]
    public void A_nul_in_an_ipam_path_is_invalid_config_naming_the_field(string key)
    {
        var stdin = Encoding.UTF8.GetBytes($$$"""{"cniVersion":"1.0.0","name":"n","type":"other","ipam":{"type":"podnet-ipam","ranges":[[{"subnet":"10.1.0.0/24"}]],"{{{key}}}":"/tmp/pnt-nul\u0000x"}}""");
        var (rc, o, _) = RunMain("ADD", stdin);
        Assert.Equal(1, rc);
        Assert.Equal(CniErrorCode.InvalidConfig, (int)o["code"]!);
        Assert.Contains($"ipam.{key}", (string)o["details"]!);
        Assert.Contains("NUL", (string)o["details"]!);
        Assert.DoesNotContain("Exception", (string)o["details"]!);
    }

    [Fact]
    public void Errors_answer_in_the_last_cniVersion_of_a_repeated_key_as_the_config_is_read()
    {
        // The config is read as 1.0.0 (last key wins), which does not allow GC; the error must say 1.0.0 too.
        var (rc, o, _) = RunMain("GC", """{"cniVersion":"0.4.0","cniVersion":"1.0.0","name":"n","type":"podnet-cni"}"""u8.ToArray());
        Assert.Equal(1, rc);
        Assert.Equal(CniErrorCode.IncompatibleVersion, (int)o["code"]!);
        Assert.Contains("config version 1.0.0", (string)o["details"]!);
        Assert.Equal("1.0.0", (string)o["cniVersion"]!);
    }

    [Fact]
    public void Del_does_not_need_netns_and_version_needs_nothing()
    {
        var env = Env("DEL"); env["CNI_NETNS"] = null;
        Assert.Equal(CniCommand.Del, CniEnv.From(k => env.GetValueOrDefault(k)).Command);
        Assert.Equal(CniCommand.Version, CniEnv.From(k => k == "CNI_COMMAND" ? "VERSION" : null).Command);
    }

    [Theory]
    [InlineData("IP=10.1.0.5", 1, null)]
    [InlineData("IP=10.1.0.5,fd00::5;MAC=02:00:00:00:00:01", 2, "02:00:00:00:00:01")]
    [InlineData("IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.1.0.5", 1, null)]
    public void Cni_args_parse(string args, int ips, string? mac)
    {
        var a = CniArgs.Parse(args);
        Assert.Equal(ips, a.Ips.Count);
        Assert.Equal(mac, a.Mac);
    }

    [Theory]
    [InlineData("K8S_POD_NAME=x", "K8S_POD_NAME")]
    [InlineData("IP", "\"IP\"")]
    public void Bad_cni_args_are_named(string args, string named)
    {
        var e = Assert.Throws<CniException>(() => CniArgs.Parse(args));
        Assert.Equal(CniErrorCode.InvalidEnvironment, e.Code);
        Assert.Contains(named, e.Details);
    }

    [Theory]
    [InlineData("10.1.2.3/24", "10.1.2.0", "10.1.2.255")]
    [InlineData("10.1.2.3/32", "10.1.2.3", "10.1.2.3")]
    [InlineData("fd00::1:5/112", "fd00::1:0", "fd00::1:ffff")]
    public void Cidr_math(string s, string net, string last)
    {
        var c = Cidr.Parse(s, "t");
        Assert.Equal(IPAddress.Parse(net), c.Network);
        Assert.Equal(IPAddress.Parse(last), c.Last);
        Assert.Equal(s, c.ToString());
    }

    [Theory]
    [InlineData("10.1.2/24")]
    [InlineData("10.1.2.3/33")]
    [InlineData("10.1.2.300/24")]
    [InlineData("10.1.2.3")]
    [InlineData("nonsense")]
    public void Bad_cidr_is_code_7_naming_the_value(string s)
    {
        var e = Assert.Throws<CniException>(() => Cidr.Parse(s, "ipam.ranges[0][0].subnet"));
        Assert.Equal(CniErrorCode.InvalidConfig, e.Code);
        Assert.Contains(s, e.Details);
        Assert.Contains("ipam.ranges[0][0].subnet", e.Details);
    }

    static CniResult Sample() => new("1.1.0",
        [new CniInterface("cni0", "aa:bb:cc:dd:ee:01"), new CniInterface("veth1", "aa:bb:cc:dd:ee:02", Mtu: 1400),
         new CniInterface("eth0", "aa:bb:cc:dd:ee:03", Sandbox: "/var/run/netns/x", SocketPath: "/s", PciId: "0000:00:01.0")],
        [new IpConfig(Cidr.Parse("10.1.0.5/24", "t"), IPAddress.Parse("10.1.0.1"), 2), new IpConfig(Cidr.Parse("fd00::5/64", "t"), null, 2)],
        [new CniRoute(Cidr.Parse("0.0.0.0/0", "t"), IPAddress.Parse("10.1.0.1"), Mtu: 1300, Table: 100)],
        new CniDns(["10.96.0.10"], null, ["svc.cluster.local"], []));

    [Theory]
    [InlineData("0.3.0")]
    [InlineData("0.3.1")]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    [InlineData("1.1.0")]
    public void Result_is_written_in_the_shape_of_each_version(string version)
    {
        var o = JsonNode.Parse(Encoding.UTF8.GetString(ResultJson.ToBytes(Sample(), version)))!.AsObject();
        Assert.Equal(version, (string?)o["cniVersion"]);
        var ip0 = o["ips"]![0]!.AsObject();
        var ip1 = o["ips"]![1]!.AsObject();
        bool legacy = version.StartsWith("0.");
        Assert.Equal(legacy ? "4" : null, (string?)ip0["version"]);
        Assert.Equal(legacy ? "6" : null, (string?)ip1["version"]);
        Assert.Equal(2, (int)ip0["interface"]!);
        Assert.Equal("10.1.0.5/24", (string?)ip0["address"]);
        Assert.Equal("10.1.0.1", (string?)ip0["gateway"]);
        Assert.False(ip1.ContainsKey("gateway"));
        bool v11 = version == "1.1.0";
        Assert.Equal(v11, o["interfaces"]![1]!.AsObject().ContainsKey("mtu"));
        Assert.Equal(v11, o["interfaces"]![2]!.AsObject().ContainsKey("socketPath"));
        Assert.Equal(v11, o["interfaces"]![2]!.AsObject().ContainsKey("pciID"));
        Assert.Equal(v11, o["routes"]![0]!.AsObject().ContainsKey("mtu"));
        Assert.Equal(v11, o["routes"]![0]!.AsObject().ContainsKey("table"));
        Assert.Equal("/var/run/netns/x", (string?)o["interfaces"]![2]!["sandbox"]);
        Assert.Equal("10.96.0.10", (string?)o["dns"]!["nameservers"]![0]);
        // Round trip through the reader keeps everything this version can express.
        var back = ResultJson.Parse(JsonTree.Parse(ResultJson.ToBytes(Sample(), version)), "t");
        Assert.Equal(2, back.Ips.Count);
        Assert.Equal(Sample().Ips[0], back.Ips[0]);
    }

    [Fact]
    public void Ipam_result_has_no_interfaces_and_no_interface_index()
    {
        var o = JsonNode.Parse(Encoding.UTF8.GetString(ResultJson.ToBytes(Sample(), "1.0.0", ipam: true)))!.AsObject();
        Assert.False(o.ContainsKey("interfaces"));
        Assert.False(o["ips"]![0]!.AsObject().ContainsKey("interface"));
    }

    [Fact]
    public void Legacy_result_is_read_and_unknown_versions_are_refused()
    {
        var legacy = JsonTree.Parse("""{"cniVersion":"0.3.1","ips":[{"version":"4","address":"10.0.0.2/24","gateway":"10.0.0.1","interface":0}],"interfaces":[{"name":"eth0"}]}""")!;
        var r = ResultJson.Parse(legacy, "prevResult");
        Assert.Equal("10.0.0.2/24", r.Ips[0].Address.ToString());
        var e = Assert.Throws<CniException>(() => ResultJson.Parse(JsonTree.Parse("""{"cniVersion":"9.9.9"}"""), "prevResult"));
        Assert.Equal(CniErrorCode.IncompatibleVersion, e.Code);
        Assert.Contains("9.9.9", e.Details);
    }

    [Fact]
    public void Json_tree_reads_comments_and_repeated_keys_and_writes_strings_escaped()
    {
        var o = (JObj)JsonTree.Parse("""{"a":1, /* c */ "s":"q\"b\\n\nc\u0001\u00e9", "a":2.5, "n":null, "l":[true,false,{}]} // end""")!;
        Assert.Equal(2.5, ((JNum)o["a"]!).Value); // the last of a repeated key, as Go's decoder
        Assert.Null(o["n"]);
        Assert.True(o.ContainsKey("n"));
        Assert.Equal("q\"b\\n\nc\u0001\u00e9", ((JStr)o["s"]!).Value);
        Assert.Equal(3, ((JArr)o["l"]!).Count);
        // What we write, System.Text.Json reads back to the same values.
        var w = new JsonOut().StartObject().String("s", ((JStr)o["s"]!).Value).Value(o["l"], "l").Value(o["a"], "a").Number("i", -7).EndObject();
        var back = System.Text.Json.Nodes.JsonNode.Parse(w.ToBytes())!;
        Assert.Equal("q\"b\\n\nc\u0001\u00e9", (string?)back["s"]);
        Assert.Equal(2.5, (double)back["a"]!);
        Assert.Equal(-7, (int)back["i"]!);
        Assert.Equal("""[true,false,{}]""", back["l"]!.ToJsonString());
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => JsonTree.Parse("""{"a":1} x"""));
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => JsonTree.Parse("""{"a":"""));
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => JsonTree.Parse(""));
    }

    // Python's json module is strict (control characters inside strings are rejected) and independent of
    // System.Text.Json: what it reads from our output must equal what it reads from the input.
    static string PythonCanonical(byte[] json)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("python3", ["-c",
            "import json,sys; print(json.dumps(json.loads(sys.stdin.buffer.read().decode('utf-8')), sort_keys=True, ensure_ascii=True))"])
        { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        p.StandardInput.BaseStream.Write(json);
        p.StandardInput.Close();
        string o = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(20_000), "python3 did not finish");
        Assert.True(p.ExitCode == 0, $"python3 rejected {Encoding.UTF8.GetString(json)}: {err.Result}");
        return o;
    }

    [Fact]
    public void Json_tree_round_trips_nasty_values_unchanged_in_meaning_for_a_strict_reader()
    {
        var controls = string.Concat(Enumerable.Range(0, 0x20).Select(c => $"\\u{c:x4}"));
        string doc = $$$"""
            {"s":"q\"b\\/\/{{{controls}}}\u007f\u2028\u2029\u00e9\ud83d\ude00 ünï 😀 </script>",
             "k\"\\\n":"key with escapes", "":"empty key",
             "n":[0,-0,-0.0,1e400,-1E+400,1E+2,0.1e-5,123456789012345678901234567890,-9223372036854775809,5e-324],
             "prevResult":{"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/24"}],"dns":{}},
             "runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}],"x":null,"t":true,"f":false},
             "args":{"cni":{"ips":["10.0.0.9"]},"deep":[[[[{"a":[]}]]]]}}
            """;
        var parsed = JsonTree.Parse(doc)!;
        Assert.Equal(PythonCanonical(Encoding.UTF8.GetBytes(doc)), PythonCanonical(Encoding.UTF8.GetBytes(parsed.ToJsonString())));
        // And every string alone, as the writer's String() writes it (result fields, error messages).
        var w = new JsonOut(indented: true).StartObject();
        foreach (var (k, v) in ((JObj)parsed).Properties) if (v is JStr str) w.String(k, str.Value);
        string expected = """{"s":"q\"b\\//""" + controls + """\u007f\u2028\u2029\u00e9\ud83d\ude00 ünï 😀 </script>", "k\"\\\n":"key with escapes", "":"empty key"}""";
        Assert.Equal(PythonCanonical(Encoding.UTF8.GetBytes(expected)),
            PythonCanonical(w.EndObject().ToBytes()));
    }
}
