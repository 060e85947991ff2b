using System.Net;
using Podnet.Agent.Policy.Compile;
using Podnet.Agent.Policy.Model;
using Podnet.Agent.Policy.Nft;
using Podnet.Api.Json;
using Podnet.Api.Manifests;
using Podnet.Api.Models;
using Podnet.Linux.Nftables;

namespace Podnet.Agent.Tests.Policy;

/// <summary>The compiler and syncer wired to a runner, without the API (the agent adds informers on top).</summary>
internal sealed class Enforcer(INftRunner nft, string node = "node-1")
{
    public static readonly NftTable Table = new(NftFamily.Ip, PolicyNames.DefaultTable);
    public PolicyCompiler Compiler { get; } = new(Table, node);
    public PolicySyncer Syncer { get; } = new(nft, Table);

    public void Apply()
    {
        foreach (var (k, o) in Compiler.Drain()) Syncer.SetUnit(k, o);
        Assert.True(Syncer.Sync(), "sync refused");
    }

    public Enforcer Pod(string ns, string name, IPAddress ip, string labels = "", string node = "node-1", params NamedPort[] ports)
    {
        Compiler.UpsertPod(new PodInfo(ns, name, ip, Labels(labels), node, ports));
        return this;
    }

    public Enforcer Policy(string yaml)
    {
        Compiler.UpsertPolicy(Parse(yaml));
        return this;
    }

    public static PolicyInfo Parse(string yaml) => PolicyParser.Parse(KubeJson.As<NetworkPolicy>(ManifestParser.ParseObjects(yaml).Single()));

    public static Dictionary<string, string> Labels(string s) =>
        s.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => kv[1]);
}
