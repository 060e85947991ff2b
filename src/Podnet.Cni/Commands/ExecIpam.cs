using System.Diagnostics;
using System.Text;
using Podnet.Cni.Config;
using Podnet.Cni.Spec;

namespace Podnet.Cni.Commands;

/// <summary>
/// Runs another IPAM plugin binary found on CNI_PATH (e.g. the reference host-local) with the same
/// environment and stdin, as libcni's delegation does; its error JSON is passed on with its code.
/// </summary>
public sealed class ExecIpam(NetConf conf, CniEnv env, byte[] stdin) : IIpamDelegate
{
    public CniResult Add()
    {
        var node = NetConf.ParseObject(Run("ADD"));
        return ResultJson.Parse(node, $"result of IPAM plugin {conf.IpamType}");
    }

    public void Del() => Run("DEL");
    public void Check() => Run("CHECK");
    public void Status() => Run("STATUS");

    public void Gc(IReadOnlyList<Attachment> valid) => Run("GC");

    string FindPlugin()
    {
        string type = conf.IpamType!;
        if (type.Contains('/') || type is "." or "..")
            throw new CniException(CniErrorCode.InvalidConfig, "invalid ipam type", $"ipam type \"{type}\" must be a plugin name, not a path");
        foreach (var dir in env.Path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var p = Path.Combine(dir, type);
            if (File.Exists(p)) return p;
        }
        throw new CniException(CniErrorCode.InvalidConfig, "IPAM plugin not found",
            $"failed to find plugin \"{type}\" in path [{env.Path}]");
    }

    byte[] Run(string command)
    {
        var psi = new ProcessStartInfo(FindPlugin())
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["CNI_COMMAND"] = command;
        psi.Environment["CNI_CONTAINERID"] = env.ContainerId;
        psi.Environment["CNI_NETNS"] = env.Netns;
        psi.Environment["CNI_IFNAME"] = env.IfName;
        psi.Environment["CNI_ARGS"] = env.Args;
        psi.Environment["CNI_PATH"] = env.Path;
        using var p = Process.Start(psi)!;
        var errTask = p.StandardError.ReadToEndAsync();
        p.StandardInput.BaseStream.Write(stdin);
        p.StandardInput.Close();
        using var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        p.WaitForExit();
        var output = ms.ToArray();
        if (p.ExitCode == 0) return output;
        int code = CniErrorCode.DelegateFailure; string msg = $"IPAM plugin {conf.IpamType} failed ({command})"; string details = errTask.Result.Trim();
        try
        {
            if (JsonTree.Parse(output) is JObj e)
            {
                if (e["code"] is JNum n && n.Value == Math.Floor(n.Value) && n.Value is >= 0 and <= int.MaxValue) code = (int)n.Value;
                msg = $"IPAM plugin {conf.IpamType}: {(e["msg"] as JStr)?.Value}";
                details = (e["details"] as JStr)?.Value ?? details;
            }
        }
        catch (System.Text.Json.JsonException) { details = Encoding.UTF8.GetString(output) + details; }
        throw new CniException(code, msg, details);
    }
}
