using System.Text.Json;
using Podnet.Cni.Config;
using Podnet.Cni.Spec;

namespace Podnet.Cni.Commands;

/// <summary>
/// The protocol shell around the plugins (libcni's "skel"): reads env + stdin, checks which commands the
/// config version allows, runs the plugin and writes the result or the spec's error JSON to stdout.
/// </summary>
public static class PluginMain
{
    public const string PluginType = "podnet-cni";
    public const string IpamType = "podnet-ipam";

    public static int Run(string argv0, Func<string, string?> getEnv, Stream stdinStream, Stream stdout, TextWriter stderr,
        Func<CniEnv, NetConf, byte[], byte[]> mainPlugin)
    {
        Trace.Mark("main");
        byte[] stdin = [];
        try
        {
            var env = CniEnv.From(getEnv);
            try { stdin = ReadAll(stdinStream); }
            catch (IOException e) { throw new CniException(CniErrorCode.IoFailure, "failed to read network configuration from stdin", e.Message, e); }
            if (env.Command == CniCommand.Version)
            {
                stdout.Write(VersionJson(stdin));
                return 0;
            }
            Trace.Mark("stdin read");
            var conf = NetConf.Parse(stdin, CniArgs.Parse(env.Args));
            Trace.Mark("config parsed");
            RequireCommandAllowed(env.Command, conf.CniVersion);
            bool ipamMode = Path.GetFileName(argv0) == IpamType || (conf.Type != PluginType && conf.IpamType == IpamType && conf.Type != IpamType);
            var output = ipamMode ? IpamPlugin.Run(env, conf) : mainPlugin(env, conf, stdin);
            stdout.Write(output);
            Trace.Mark("done");
            return 0;
        }
        catch (CniException e)
        {
            WriteError(stdout, VersionOf(stdin), e.Code, e.Message, e.Details);
            stderr.WriteLine($"{Path.GetFileName(argv0)}: {e.Message}: {e.Details}");
            return 1;
        }
        catch (Exception e)
        {
            WriteError(stdout, VersionOf(stdin), CniErrorCode.KernelFailure, e.Message, e.ToString());
            stderr.WriteLine($"{Path.GetFileName(argv0)}: {e}");
            return 1;
        }
    }

    static void RequireCommandAllowed(CniCommand cmd, string version)
    {
        string? min = cmd switch { CniCommand.Check => "0.4.0", CniCommand.Gc or CniCommand.Status => "1.1.0", _ => null };
        if (min is not null && !CniVersion.AtLeast(version, min))
            throw new CniException(CniErrorCode.IncompatibleVersion, "incompatible CNI versions",
                $"config version {version} does not allow {cmd.ToString().ToUpperInvariant()} (needs {min} or later)");
    }

    static byte[] VersionJson(byte[] stdin)
    {
        string version = CniVersion.Latest;
        if (stdin.AsSpan().Trim(" \t\r\n"u8).Length > 0)
        {
            var o = NetConf.ParseObject(stdin);
            version = ResultJson.Str(o, "cniVersion") ?? CniVersion.Latest;
        }
        var w = new JsonOut().StartObject().String("cniVersion", version).StartArray("supportedVersions");
        foreach (var v in CniVersion.Supported) w.String(null, v);
        return w.EndArray().EndObject().ToBytes();
    }

    /// <summary>The version to answer errors in: the config's if it is readable and supported, else the latest.
    /// Runs while an error is being reported, so it must not throw: GetString throws InvalidOperationException
    /// on invalid UTF-8 or a lone surrogate escape. A repeated key counts by its last value, as in the parsed
    /// config (JObj) and Go's decoder.</summary>
    static string VersionOf(byte[] stdin)
    {
        string? found = null;
        try
        {
            var r = new Utf8JsonReader(stdin);
            while (r.Read())
                if (r.TokenType == JsonTokenType.PropertyName && r.CurrentDepth == 1 && r.ValueTextEquals("cniVersion"u8))
                {
                    r.Read();
                    found = r.TokenType == JsonTokenType.String ? r.GetString() : null;
                    if (r.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) r.Skip();
                }
                else if (r.CurrentDepth >= 1 && r.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) r.Skip();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException) { }
        return found is not null && CniVersion.IsSupported(found) ? found : CniVersion.Latest;
    }

    public static void WriteError(Stream stdout, string version, int code, string msg, string details)
    {
        var w = new JsonOut(indented: true).StartObject().String("cniVersion", version).Number("code", code).String("msg", msg);
        if (details.Length > 0) w.String("details", details);
        stdout.Write(w.EndObject().ToBytes());
    }

    /// <summary>Reads stdin to its end into a buffer that grows as needed (Stream.CopyTo would rent an
    /// 80 KiB pool buffer: more start-up work than a whole network configuration).</summary>
    static byte[] ReadAll(Stream s)
    {
        var buf = new byte[4096];
        int n = 0, r;
        while ((r = s.Read(buf, n, buf.Length - n)) > 0)
        {
            n += r;
            if (n == buf.Length) Array.Resize(ref buf, buf.Length * 2);
        }
        return buf.AsSpan(0, n).ToArray();
    }
}
