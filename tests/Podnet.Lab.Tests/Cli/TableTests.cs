using System.Text.Json.Nodes;
using Podnet.Cli.Output;
using Podnet.Cli.Output.Tables;

namespace Podnet.Lab.Tests.Cli;

public class TableTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-01-10T12:00:00Z");

    private static JsonObject J(string json) => (JsonObject)JsonNode.Parse(json)!;

    private static JsonObject Pod(string name, string status, string created = "2026-01-10T11:59:55Z") =>
        J("{\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"default\",\"creationTimestamp\":\"" + created +
          "\",\"labels\":{\"app\":\"coffee\"}}," + status + "}");

    private const string Running = """
        "spec":{"nodeName":"node-1","containers":[{"name":"a"},{"name":"b"}]},
        "status":{"phase":"Running","podIP":"10.244.1.5","conditions":[{"type":"Ready","status":"True"}],
          "containerStatuses":[{"name":"a","ready":true,"restartCount":1,"state":{"running":{}}},
                               {"name":"b","ready":true,"restartCount":2,"state":{"running":{}}}]}
        """;

    private const string Pending = """
        "spec":{"containers":[{"name":"a"}]},"status":{"phase":"Pending"}
        """;

    [Fact]
    public void Pod_table_matches_kubectl_layout()
    {
        var text = Tables.Render("Pod", [Pod("coffee-7d9f", Running), Pod("tea", Pending, "2026-01-10T11:56:48Z")], Now, new());
        Assert.Equal(
            "NAME          READY   STATUS    RESTARTS   AGE\n" +
            "coffee-7d9f   2/2     Running   3          5s\n" +
            "tea           0/1     Pending   0          3m12s\n", text);
    }

    [Fact]
    public void Wide_adds_ip_and_node_and_all_namespaces_adds_namespace_first()
    {
        var text = Tables.Render("Pod", [Pod("coffee", Running)], Now, new(Wide: true, WithNamespace: true, ShowLabels: true));
        var lines = text.Split('\n');
        Assert.Equal(["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED", "NODE", "READINESS", "GATES", "LABELS"],
            lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["default", "coffee", "2/2", "Running", "3", "5s", "10.244.1.5", "node-1", "<none>", "<none>", "app=coffee"],
            lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("""{"phase":"Pending","containerStatuses":[{"ready":false,"state":{"waiting":{"reason":"ContainerCreating"}}}]}""", "0/1", "ContainerCreating")]
    [InlineData("""{"phase":"Running","containerStatuses":[{"ready":false,"restartCount":4,"state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}""", "0/1", "CrashLoopBackOff")]
    [InlineData("""{"phase":"Succeeded","containerStatuses":[{"ready":false,"state":{"terminated":{"reason":"Completed","exitCode":0}}}]}""", "0/1", "Completed")]
    [InlineData("""{"phase":"Failed","containerStatuses":[{"ready":false,"state":{"terminated":{"exitCode":3}}}]}""", "0/1", "ExitCode:3")]
    [InlineData("""{"phase":"Failed","containerStatuses":[{"ready":false,"state":{"terminated":{"exitCode":137,"signal":9}}}]}""", "0/1", "Signal:9")]
    [InlineData("""{"phase":"Running","containerStatuses":[{"ready":false,"state":{"running":{}}}]}""", "0/1", "Running")]
    [InlineData("""{"phase":"Failed","reason":"Evicted"}""", "0/1", "Evicted")]
    public void Pod_status_column_follows_kubectl_rules(string status, string ready, string expected)
    {
        var pod = J("""{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]},"status":""" + status + "}");
        var row = PodTable.Spec.Row(pod, Now);
        Assert.Equal(ready, row[1]);
        Assert.Equal(expected, row[2]);
    }

    [Fact]
    public void Deleted_pod_is_terminating()
    {
        var pod = J("""{"metadata":{"name":"p","deletionTimestamp":"2026-01-10T11:59:59Z"},"spec":{"containers":[{"name":"a"}]},"status":{"phase":"Running"}}""");
        Assert.Equal("Terminating", PodTable.Spec.Row(pod, Now)[2]);
    }

    [Theory]
    [InlineData("""{"type":"ClusterIP","clusterIP":"10.96.0.20","ports":[{"port":80,"protocol":"TCP"},{"port":53,"protocol":"UDP"}]}""", "{}", "ClusterIP", "10.96.0.20", "<none>", "80/TCP,53/UDP")]
    [InlineData("""{"type":"NodePort","clusterIP":"10.96.0.21","ports":[{"port":80,"nodePort":30080}]}""", "{}", "NodePort", "10.96.0.21", "<none>", "80:30080/TCP")]
    [InlineData("""{"type":"LoadBalancer","clusterIP":"10.96.0.22","ports":[{"port":443,"nodePort":31443}]}""", "{}", "LoadBalancer", "10.96.0.22", "<pending>", "443:31443/TCP")]
    [InlineData("""{"type":"LoadBalancer","clusterIP":"10.96.0.22","ports":[{"port":443,"nodePort":31443}]}""", """{"loadBalancer":{"ingress":[{"ip":"203.0.113.100"}]}}""", "LoadBalancer", "10.96.0.22", "203.0.113.100", "443:31443/TCP")]
    [InlineData("""{"clusterIP":"None","ports":[{"port":80}]}""", "{}", "ClusterIP", "None", "<none>", "80/TCP")]
    [InlineData("""{"clusterIP":"10.96.0.5","externalIPs":["203.0.113.7"]}""", "{}", "ClusterIP", "10.96.0.5", "203.0.113.7", "<none>")]
    [InlineData("""{"type":"ExternalName","externalName":"example.org"}""", "{}", "ExternalName", "<none>", "example.org", "<none>")]
    public void Service_columns(string spec, string status, string type, string clusterIp, string externalIp, string ports)
    {
        var svc = J("""{"metadata":{"name":"s","creationTimestamp":"2026-01-08T12:00:00Z"},"spec":""" + spec + ""","status":""" + status + "}");
        Assert.Equal(["s", type, clusterIp, externalIp, ports, "2d"], ServiceTable.Spec.Row(svc, Now));
    }

    [Fact]
    public void Deployment_columns_and_wide_selector()
    {
        var d = J("""
            {"metadata":{"name":"coffee","creationTimestamp":"2026-01-10T11:00:00Z"},
             "spec":{"replicas":3,"selector":{"matchLabels":{"app":"coffee"},"matchExpressions":[{"key":"tier","operator":"In","values":["web","api"]},{"key":"legacy","operator":"DoesNotExist"}]},
                     "template":{"spec":{"containers":[{"name":"srv","image":"agnhost"},{"name":"side","image":"busybox"}]}}},
             "status":{"readyReplicas":2,"updatedReplicas":3,"availableReplicas":2}}
            """);
        Assert.Equal(["coffee", "2/3", "3", "2", "60m"], DeploymentTable.Spec.Row(d, Now));
        Assert.Equal(["srv,side", "agnhost,busybox", "app=coffee,tier in (api,web),!legacy"], DeploymentTable.Spec.WideRow(d));
        var empty = J("""{"metadata":{"name":"x"},"spec":{}}""");
        Assert.Equal(["x", "0/1", "0", "0", "<unknown>"], DeploymentTable.Spec.Row(empty, Now));
    }

    [Fact]
    public void Node_columns()
    {
        var n = J("""
            {"metadata":{"name":"node-1","creationTimestamp":"2026-01-10T09:00:00Z","labels":{"node-role.kubernetes.io/control-plane":"","node-role.kubernetes.io/worker":""}},
             "spec":{"podCIDR":"10.244.1.0/24","unschedulable":true},
             "status":{"conditions":[{"type":"Ready","status":"True"}],"nodeInfo":{"kubeletVersion":"podnet-0.1"},
                       "addresses":[{"type":"InternalIP","address":"192.168.80.11"},{"type":"Hostname","address":"node-1"}]}}
            """);
        Assert.Equal(["node-1", "Ready,SchedulingDisabled", "control-plane,worker", "3h", "podnet-0.1"], NodeTable.Spec.Row(n, Now));
        Assert.Equal(["192.168.80.11", "<none>", "<unknown>", "<unknown>", "<unknown>", "10.244.1.0/24"], NodeTable.Spec.WideRow(n));
        var bare = J("""{"metadata":{"name":"n2"},"status":{"conditions":[{"type":"Ready","status":"False"}]}}""");
        Assert.Equal(["n2", "NotReady", "<none>", "<unknown>", ""], NodeTable.Spec.Row(bare, Now));
        Assert.Equal("Unknown", NodeTable.Status(J("""{"metadata":{"name":"n3"}}""")));
    }

    [Fact]
    public void EndpointSlice_networkpolicy_ingress_namespace_columns()
    {
        var eps = J("""
            {"metadata":{"name":"coffee-abc","creationTimestamp":"2026-01-10T11:59:00Z"},"addressType":"IPv4",
             "ports":[{"name":"http","port":8080},{"port":9090}],
             "endpoints":[{"addresses":["10.244.1.2"]},{"addresses":["10.244.2.2"]},{"addresses":["10.244.3.2"]},{"addresses":["10.244.1.3"]},{"addresses":["10.244.2.3"]}]}
            """);
        Assert.Equal(["coffee-abc", "IPv4", "8080,9090", "10.244.1.2,10.244.2.2,10.244.3.2 + 2 more...", "60s"], MiscTables.EndpointSlice.Row(eps, Now));
        Assert.Equal(["e", "", "<unset>", "<unset>", "<unknown>"], MiscTables.EndpointSlice.Row(J("""{"metadata":{"name":"e"}}"""), Now));

        var np = J("""{"metadata":{"name":"deny"},"spec":{"podSelector":{}}}""");
        Assert.Equal("<none>", MiscTables.NetworkPolicy.Row(np, Now)[1]);
        var np2 = J("""{"metadata":{"name":"allow"},"spec":{"podSelector":{"matchLabels":{"app":"tea"}}}}""");
        Assert.Equal("app=tea", MiscTables.NetworkPolicy.Row(np2, Now)[1]);

        var ing = J("""
            {"metadata":{"name":"cafe"},"spec":{"ingressClassName":"podnet","tls":[{"hosts":["cafe.example.com"]}],
             "rules":[{"host":"cafe.example.com"},{"host":"tea.example.com"}]},
             "status":{"loadBalancer":{"ingress":[{"ip":"203.0.113.100"}]}}}
            """);
        Assert.Equal(["cafe", "podnet", "cafe.example.com,tea.example.com", "203.0.113.100", "80, 443", "<unknown>"], MiscTables.Ingress.Row(ing, Now));
        Assert.Equal(["i", "<none>", "*", "", "80", "<unknown>"], MiscTables.Ingress.Row(J("""{"metadata":{"name":"i"},"spec":{}}"""), Now));

        Assert.Equal(["default", "Active", "<unknown>"], MiscTables.Namespace.Row(J("""{"metadata":{"name":"default"}}"""), Now));
    }

    [Fact]
    public void Kind_prefix_and_no_headers()
    {
        var text = Tables.Render("Pod", [Pod("coffee", Running)], Now, new(KindPrefix: "pod", NoHeaders: true));
        Assert.StartsWith("pod/coffee   2/2", text);
        Assert.DoesNotContain("NAME", text);
    }

    [Fact]
    public void Text_table_pads_to_widest_cell_plus_three_with_minimum_six()
    {
        Assert.Equal("A      BB\nxyzw   1\n", TextTable.Render(["A", "BB"], [["xyzw", "1"]]));
        Assert.Equal("A     B\n", TextTable.Render(["A", "B"], []));
    }

    [Fact]
    public void Odd_objects_never_throw()
    {
        var weird = J("""{"metadata":{"name":7,"labels":"x"},"spec":{"containers":"no","ports":[1,2]},"status":[]}""");
        foreach (var kind in new[] { "Pod", "Service", "Deployment", "Node", "Namespace", "EndpointSlice", "NetworkPolicy", "Ingress", "Other" })
            Assert.NotEmpty(Tables.Render(kind, [weird], Now, new(Wide: true, WithNamespace: true, ShowLabels: true)));
    }
}
