using System.Text.Json.Nodes;
using Podnet.Cli.Output;
using Podnet.Cli.Output.Tables;

namespace Podnet.Cli.Describe;

/// <summary>Per-kind describe text, from the object and (for services and nodes) related objects.
/// Pure: the related objects are passed in, so this is tested without a server.</summary>
public static class Describers
{
    public static string Describe(JsonObject o, DateTimeOffset now, IReadOnlyList<JsonObject> related)
    {
        var w = new DescribeWriter();
        switch (o.Str("kind"))
        {
            case "Pod": Pod(w, o); break;
            case "Service": Service(w, o, related); break;
            case "Deployment": Deployment(w, o); break;
            case "Node": Node(w, o, related, now); break;
            case "NetworkPolicy": NetworkPolicyDescriber.Describe(w, o); break;
            default: Generic(w, o); break;
        }
        return w.ToString();
    }

    private static void Meta(DescribeWriter w, JsonObject o, bool withNamespace = true)
    {
        w.Item(0, "Name", o.Name());
        if (withNamespace && o.Namespace() is { } ns) w.Item(0, "Namespace", ns);
        w.Map(0, "Labels", o.Map("metadata.labels"));
        w.Map(0, "Annotations", o.Map("metadata.annotations").Where(kv => kv.Key != Apply.ApplyMerge.LastAppliedAnnotation).ToList());
    }

    private static void Pod(DescribeWriter w, JsonObject p)
    {
        w.Item(0, "Name", p.Name());
        w.Item(0, "Namespace", p.Namespace());
        var node = p.Str("spec.nodeName");
        w.Item(0, "Node", node is null ? null : p.Str("status.hostIP") is { Length: > 0 } hip ? $"{node}/{hip}" : node);
        w.Item(0, "Start Time", p.Time("status.startTime") is { } st ? DescribeWriter.Time(st) : null);
        w.Map(0, "Labels", p.Map("metadata.labels"));
        w.Map(0, "Annotations", p.Map("metadata.annotations").Where(kv => kv.Key != Apply.ApplyMerge.LastAppliedAnnotation).ToList());
        var (_, _, _, status) = PodTable.Summarize(p);
        w.Item(0, "Status", status);
        if (p.Str("metadata.deletionTimestamp") is { } del)
            w.Item(0, "Termination Grace Period", $"{p.Long("metadata.deletionGracePeriodSeconds") ?? 0}s");
        w.Item(0, "IP", p.Str("status.podIP"));
        var ips = p.Objects("status.podIPs").Select(i => i.Str("ip")).OfType<string>().ToList();
        if (ips.Count == 0) w.Item(0, "IPs", null);
        else
        {
            w.Section(0, "IPs");
            foreach (var ip in ips) w.Item(1, "IP", ip);
        }
        if (p.Bool("spec.hostNetwork") == true) w.Item(0, "Host Network", "true");
        if (p.Objects("metadata.ownerReferences").FirstOrDefault() is { } owner)
            w.Item(0, "Controlled By", $"{owner.Str("kind")}/{owner.Str("name")}");
        w.Section(0, "Containers");
        var statuses = p.Objects("status.containerStatuses").ToDictionary(c => c.Str("name") ?? "", c => c);
        foreach (var c in p.Objects("spec.containers"))
        {
            var name = c.Str("name") ?? "";
            statuses.TryGetValue(name, out var cs);
            Container(w, 1, c, cs);
        }
        var conditions = p.Objects("status.conditions").ToList();
        if (conditions.Count > 0)
        {
            w.Section(0, "Conditions");
            w.Table(1, ["Type", "Status"], conditions.Select(c => (IReadOnlyList<string>)[c.Str("type") ?? "", c.Str("status") ?? ""]));
        }
        w.Map(0, "Node-Selectors", p.Map("spec.nodeSelector"));
        w.Item(0, "Events", null);
    }

    public static void Container(DescribeWriter w, int level, JsonObject c, JsonObject? status)
    {
        w.Section(level, c.Str("name") ?? "");
        int l = level + 1;
        w.Item(l, "Image", c.Str("image"));
        var cmd = c.Strings("command").ToList();
        if (cmd.Count > 0) { w.Section(l, "Command"); foreach (var s in cmd) w.Text(l + 1, s); }
        var args = c.Strings("args").ToList();
        if (args.Count > 0) { w.Section(l, "Args"); foreach (var s in args) w.Text(l + 1, s); }
        var ports = c.Objects("ports").Select(pt => $"{pt.Long("containerPort")}/{pt.Str("protocol") ?? "TCP"}" + (pt.Str("name") is { } n ? $" ({n})" : "")).ToList();
        w.Item(l, ports.Count > 1 ? "Ports" : "Port", ports.Count == 0 ? null : string.Join(", ", ports));
        if (status is not null)
        {
            State(w, l, "State", status.At("state") as JsonObject);
            if (status.At("lastState") is JsonObject last && last.Count > 0) State(w, l, "Last State", last);
            w.Item(l, "Ready", status.Bool("ready") == true ? "True" : "False");
            w.Item(l, "Restart Count", (status.Long("restartCount") ?? 0).ToString());
        }
        foreach (var (probe, label) in new[] { ("readinessProbe", "Readiness"), ("livenessProbe", "Liveness") })
            if (c.At(probe) is JsonObject pr) w.Item(l, label, Probe(pr));
        var env = c.Objects("env").Select(e => $"{e.Str("name")}={e.Str("value") ?? ""}").ToList();
        if (env.Count == 0) w.Item(l, "Environment", null);
        else { w.Section(l, "Environment"); foreach (var e in env) w.Text(l + 1, e.Replace("=", ":  ")); }
    }

    private static void State(DescribeWriter w, int level, string key, JsonObject? state)
    {
        if (state?.At("running") is JsonObject run)
        {
            w.Item(level, key, "Running");
            w.Item(level + 1, "Started", DescribeWriter.Time(run.Time("startedAt")));
        }
        else if (state?.At("terminated") is JsonObject t)
        {
            w.Item(level, key, "Terminated");
            w.Item(level + 1, "Reason", t.Str("reason"));
            w.Item(level + 1, "Exit Code", (t.Long("exitCode") ?? 0).ToString());
            if (t.Time("startedAt") is { } s) w.Item(level + 1, "Started", DescribeWriter.Time(s));
            if (t.Time("finishedAt") is { } f) w.Item(level + 1, "Finished", DescribeWriter.Time(f));
        }
        else if (state?.At("waiting") is JsonObject wt)
        {
            w.Item(level, key, "Waiting");
            w.Item(level + 1, "Reason", wt.Str("reason"));
        }
        else w.Item(level, key, "Waiting");
    }

    private static string Probe(JsonObject p)
    {
        string what = p.At("tcpSocket") is JsonObject tcp ? $"tcp-socket :{DescribeWriter.Scalar(tcp["port"])}"
            : p.At("httpGet") is JsonObject http ? $"http-get http://{http.Str("host") ?? ""}:{DescribeWriter.Scalar(http["port"])}{http.Str("path") ?? "/"}"
            : p.At("exec") is JsonObject ex ? "exec [" + string.Join(" ", ex.Strings("command")) + "]"
            : "unknown";
        return $"{what} delay={p.Long("initialDelaySeconds") ?? 0}s timeout={p.Long("timeoutSeconds") ?? 1}s period={p.Long("periodSeconds") ?? 10}s #success={p.Long("successThreshold") ?? 1} #failure={p.Long("failureThreshold") ?? 3}";
    }

    private static void Service(DescribeWriter w, JsonObject s, IReadOnlyList<JsonObject> slices)
    {
        Meta(w, s);
        w.Item(0, "Selector", Obj.Labels(s.Map("spec.selector")) is var sel && sel != "<none>" ? sel : null);
        w.Item(0, "Type", ServiceTable.Type(s));
        w.Item(0, "IP Family Policy", s.Str("spec.ipFamilyPolicy") ?? "SingleStack");
        w.Item(0, "IP Families", string.Join(",", s.Strings("spec.ipFamilies").DefaultIfEmpty("IPv4")));
        w.Item(0, "IP", s.Str("spec.clusterIP"));
        w.Item(0, "IPs", string.Join(",", s.Strings("spec.clusterIPs").DefaultIfEmpty(s.Str("spec.clusterIP") ?? "")));
        var ext = s.Strings("spec.externalIPs").ToList();
        if (ext.Count > 0) w.Item(0, "External IPs", string.Join(",", ext));
        var lb = s.Objects("status.loadBalancer.ingress").Select(i => i.Str("ip") ?? i.Str("hostname")).OfType<string>().ToList();
        if (lb.Count > 0) w.Item(0, "LoadBalancer Ingress", string.Join(", ", lb));
        if (s.Str("spec.externalName") is { } en) w.Item(0, "External Name", en);
        var ports = s.Objects("spec.ports").ToList();
        foreach (var p in ports)
        {
            var proto = p.Str("protocol") ?? "TCP";
            var name = p.Str("name") is { Length: > 0 } n ? n : "<unset>";
            w.ItemRaw(0, "Port", $"{name}  {p.Long("port")}/{proto}");
            w.ItemRaw(0, "TargetPort", $"{DescribeWriter.Scalar(p["targetPort"] ?? p["port"])}/{proto}");
            if (p.Long("nodePort") is long np and not 0) w.ItemRaw(0, "NodePort", $"{name}  {np}/{proto}");
            w.Item(0, "Endpoints", Endpoints(slices, p));
        }
        if (ports.Count == 0) w.Item(0, "Endpoints", null);
        w.Item(0, "Session Affinity", s.Str("spec.sessionAffinity") ?? "None");
        if (s.Str("spec.externalTrafficPolicy") is { } etp) w.Item(0, "External Traffic Policy", etp);
        w.Item(0, "Internal Traffic Policy", s.Str("spec.internalTrafficPolicy") ?? "Cluster");
        w.Item(0, "Events", null);
    }

    /// <summary>Ready endpoint addresses with the slice port matching the service port's name.</summary>
    private static string? Endpoints(IReadOnlyList<JsonObject> slices, JsonObject svcPort)
    {
        var portName = svcPort.Str("name") ?? "";
        var list = new List<string>();
        foreach (var slice in slices)
        {
            var port = slice.Objects("ports").FirstOrDefault(p => (p.Str("name") ?? "") == portName)?.Long("port");
            foreach (var e in slice.Objects("endpoints"))
            {
                if (e.Bool("conditions.ready") == false) continue;
                foreach (var addr in e.Strings("addresses")) list.Add(port is long pt ? $"{addr}:{pt}" : addr);
            }
        }
        return list.Count == 0 ? null : string.Join(",", list.Take(3)) + (list.Count > 3 ? $" + {list.Count - 3} more..." : "");
    }

    private static void Deployment(DescribeWriter w, JsonObject d)
    {
        w.Item(0, "Name", d.Name());
        w.Item(0, "Namespace", d.Namespace());
        w.Item(0, "CreationTimestamp", DescribeWriter.Time(d.Time("metadata.creationTimestamp")));
        w.Map(0, "Labels", d.Map("metadata.labels"));
        w.Map(0, "Annotations", d.Map("metadata.annotations").Where(kv => kv.Key != Apply.ApplyMerge.LastAppliedAnnotation).ToList());
        w.Item(0, "Selector", Tables.Selector(d.At("spec.selector")));
        long desired = d.Long("spec.replicas") ?? 1;
        long available = d.Long("status.availableReplicas") ?? 0;
        w.Item(0, "Replicas", $"{desired} desired | {d.Long("status.updatedReplicas") ?? 0} updated | {d.Long("status.replicas") ?? 0} total | {available} available | {d.Long("status.unavailableReplicas") ?? Math.Max(0, desired - available)} unavailable");
        w.Item(0, "StrategyType", d.Str("spec.strategy.type") ?? "RollingUpdate");
        if ((d.Str("spec.strategy.type") ?? "RollingUpdate") == "RollingUpdate")
            w.Item(0, "RollingUpdateStrategy", $"{d.Str("spec.strategy.rollingUpdate.maxUnavailable") ?? "25%"} max unavailable, {d.Str("spec.strategy.rollingUpdate.maxSurge") ?? "25%"} max surge");
        w.Section(0, "Pod Template");
        w.Map(1, "Labels", d.Map("spec.template.metadata.labels"));
        w.Section(1, "Containers");
        foreach (var c in d.Objects("spec.template.spec.containers")) Container(w, 2, c, null);
        var conditions = d.Objects("status.conditions").ToList();
        if (conditions.Count > 0)
        {
            w.Section(0, "Conditions");
            w.Table(1, ["Type", "Status", "Reason"], conditions.Select(c => (IReadOnlyList<string>)[c.Str("type") ?? "", c.Str("status") ?? "", c.Str("reason") ?? ""]));
        }
        w.Item(0, "Events", null);
    }

    private static void Node(DescribeWriter w, JsonObject n, IReadOnlyList<JsonObject> pods, DateTimeOffset now)
    {
        w.Item(0, "Name", n.Name());
        w.Item(0, "Roles", NodeTable.Roles(n));
        w.Map(0, "Labels", n.Map("metadata.labels"));
        w.Map(0, "Annotations", n.Map("metadata.annotations"));
        w.Item(0, "CreationTimestamp", DescribeWriter.Time(n.Time("metadata.creationTimestamp")));
        w.Item(0, "Unschedulable", n.Bool("spec.unschedulable") == true ? "true" : "false");
        var conditions = n.Objects("status.conditions").ToList();
        w.Section(0, "Conditions");
        w.Table(1, ["Type", "Status", "LastHeartbeatTime", "Reason", "Message"], conditions.Select(c => (IReadOnlyList<string>)
            [c.Str("type") ?? "", c.Str("status") ?? "", DescribeWriter.Time(c.Time("lastHeartbeatTime")), c.Str("reason") ?? "", c.Str("message") ?? ""]));
        w.Section(0, "Addresses");
        foreach (var a in n.Objects("status.addresses")) w.Item(1, a.Str("type") ?? "", a.Str("address"));
        w.Item(0, "PodCIDR", n.Str("spec.podCIDR"));
        w.Item(0, "PodCIDRs", string.Join(",", n.Strings("spec.podCIDRs")));
        if (n.At("status.nodeInfo") is JsonObject info && info.Count > 0)
        {
            w.Section(0, "System Info");
            foreach (var (k, v) in info.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                w.Item(1, char.ToUpperInvariant(k[0]) + k[1..], DescribeWriter.Scalar(v));
        }
        var active = pods.Where(p => p.Str("status.phase") is not ("Succeeded" or "Failed")).ToList();
        w.Text(0, $"Non-terminated Pods:          ({active.Count} in total)");
        if (active.Count > 0)
            w.Table(1, ["Namespace", "Name", "IP", "Age"], active.Select(p => (IReadOnlyList<string>)
                [p.Namespace() ?? "", p.Name(), p.Str("status.podIP") ?? "", Age.Since(p.Time("metadata.creationTimestamp"), now)]));
        w.Item(0, "Events", null);
    }

    /// <summary>Kinds without a dedicated describer: metadata, then the spec and status fields as an
    /// indented tree with capitalised keys, as kubectl's generic describer.</summary>
    private static void Generic(DescribeWriter w, JsonObject o)
    {
        Meta(w, o);
        foreach (var (key, value) in o)
        {
            if (key is "apiVersion" or "kind" or "metadata") continue;
            Tree(w, 0, key, value);
        }
        w.Item(0, "Events", null);
    }

    private static void Tree(DescribeWriter w, int level, string key, JsonNode? value)
    {
        var title = key.Length == 0 ? key : char.ToUpperInvariant(key[0]) + key[1..];
        switch (value)
        {
            case JsonObject obj when obj.Count > 0:
                w.Section(level, title);
                foreach (var (k, v) in obj) Tree(w, level + 1, k, v);
                break;
            case JsonArray arr when arr.Count > 0:
                w.Section(level, title);
                foreach (var item in arr)
                {
                    if (item is JsonObject io)
                    {
                        bool first = true;
                        foreach (var (k, v) in io)
                        {
                            if (first && v is JsonValue) { w.Item(level + 1, "- " + k, DescribeWriter.Scalar(v)); first = false; continue; }
                            Tree(w, level + 2, k, v);
                            first = false;
                        }
                    }
                    else w.Text(level + 1, "- " + DescribeWriter.Scalar(item));
                }
                break;
            default:
                w.Item(level, title, value is JsonObject or JsonArray ? null : DescribeWriter.Scalar(value));
                break;
        }
    }
}
