using System.Text.Json.Nodes;
using Podnet.Cli.Describe;

namespace Podnet.Lab.Tests.Cli;

public class DescribeTests
{
    [Fact]
    public void Values_align_across_levels_until_a_section_breaks_the_run()
    {
        var w = new DescribeWriter();
        w.Item(0, "Name", "p");
        w.Map(0, "Labels", [new("a", "1"), new("b", "2")]);
        w.Section(0, "Containers");
        w.Item(1, "Image", "agnhost");
        w.Item(1, "State", "Running");
        w.Item(2, "Started", "now");
        w.Item(1, "Restart Count", "0");
        w.Item(0, "Events", null);
        Assert.Equal(
            "Name:    p\n" +
            "Labels:  a=1\n" +
            "         b=2\n" +
            "Containers:\n" +
            "  Image:          agnhost\n" +
            "  State:          Running\n" +
            "    Started:      now\n" +
            "  Restart Count:  0\n" +
            "Events:           <none>\n", w.ToString());
    }

    [Fact]
    public void Pod_description_has_kubectl_sections()
    {
        var pod = (JsonObject)JsonNode.Parse("""
            {"kind":"Pod","metadata":{"name":"web","namespace":"default","labels":{"app":"web"},
              "ownerReferences":[{"kind":"ReplicaSet","name":"web-abc"}]},
             "spec":{"nodeName":"node-1","containers":[{"name":"srv","image":"agnhost","args":["netexec"],
               "ports":[{"containerPort":8080,"protocol":"TCP"}],"readinessProbe":{"httpGet":{"path":"/healthz","port":8080},"periodSeconds":2}}]},
             "status":{"phase":"Running","hostIP":"192.168.80.11","podIP":"10.244.1.5","podIPs":[{"ip":"10.244.1.5"}],
               "startTime":"2026-01-10T12:00:00Z",
               "conditions":[{"type":"Ready","status":"True"}],
               "containerStatuses":[{"name":"srv","ready":true,"restartCount":2,"state":{"running":{"startedAt":"2026-01-10T12:00:01Z"}}}]}}
            """)!;
        var text = Describers.Describe(pod, DateTimeOffset.Parse("2026-01-10T12:05:00Z"), []);
        Assert.Matches(@"^Name:\s+web\nNamespace:\s+default\nNode:\s+node-1/192\.168\.80\.11\nStart Time:\s+Sat, 10 Jan 2026 12:00:00 \+0000\n", text);
        Assert.Matches(@"Status:\s+Running\nIP:\s+10\.244\.1\.5\n", text);
        Assert.Contains("Controlled By:  ReplicaSet/web-abc\n", text);
        Assert.Matches(@"  srv:\n    Image:\s+agnhost\n    Args:\n      netexec\n", text);
        Assert.Matches(@"    Readiness:\s+http-get http://:8080/healthz delay=0s timeout=1s period=2s #success=1 #failure=3\n", text);
        Assert.Matches(@"    Restart Count:\s+2\n", text);
        Assert.Contains("Conditions:\n  Type    Status\n  ----    ------\n  Ready   True\n", text);
    }
}
