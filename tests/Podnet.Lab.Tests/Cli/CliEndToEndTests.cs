namespace Podnet.Lab.Tests.Cli;

/// <summary>apply / get / describe / delete against a real control plane. Each test works in its
/// own namespace so the tests share one server.</summary>
public sealed class CliEndToEndTests(CliHarness h) : IClassFixture<CliHarness>
{
    private static string Cafe(string ns) => $"""
        apiVersion: v1
        kind: Namespace
        metadata:
          name: {ns}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: coffee
          namespace: {ns}
        spec:
          replicas: 2
          selector:
            matchLabels: {"{"}app: coffee{"}"}
          template:
            metadata:
              labels: {"{"}app: coffee{"}"}
            spec:
              containers:
              - name: coffee
                image: agnhost
                args: ["netexec", "--http-port=8080"]
                ports:
                - containerPort: 8080
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: coffee-svc
          namespace: {ns}
          labels: {"{"}app: coffee{"}"}
        spec:
          type: NodePort
          selector: {"{"}app: coffee{"}"}
          ports:
          - name: http
            port: 80
            targetPort: 8080
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: client
          namespace: {ns}
          labels: {"{"}role: client{"}"}
        spec:
          containers:
          - name: probe
            image: agnhost
            command: ["sleep", "3600"]
        """;

    private static void Ok(CliResult r) => Assert.True(r.Exit == 0, r.ToString());

    private static void Failed(CliResult r) => Assert.True(r.Exit == 1, r.ToString());

    [Fact]
    public async Task Apply_creates_then_is_idempotent_then_configures_changes()
    {
        var file = h.Manifest("cafe1.yaml", Cafe("e2e-apply"));
        var r = await h.Run("apply", "-f", file);
        Ok(r);
        Assert.Equal("namespace/e2e-apply created\ndeployment.apps/coffee created\nservice/coffee-svc created\npod/client created\n", r.Out);

        var svc = await h.Run("get", "svc", "coffee-svc", "-n", "e2e-apply", "-o", "jsonpath={.spec.clusterIP} {.spec.ports[0].nodePort}");
        Ok(svc);
        var before = svc.Out;
        Assert.Matches(@"^10\.\d+\.\d+\.\d+ 3\d{4}$", before);

        r = await h.Run("apply", "-f", file);
        Ok(r);
        Assert.Equal("namespace/e2e-apply unchanged\ndeployment.apps/coffee unchanged\nservice/coffee-svc unchanged\npod/client unchanged\n", r.Out);

        // Change the service port and drop its label: configured, server-set fields kept.
        var changed = Cafe("e2e-apply").Replace("port: 80\n", "port: 8081\n").Replace("  labels: {app: coffee}\nspec:\n  type: NodePort", "spec:\n  type: NodePort");
        Assert.NotEqual(Cafe("e2e-apply"), changed);
        r = await h.Run("apply", "-f", h.Manifest("cafe1b.yaml", changed));
        Ok(r);
        Assert.Contains("service/coffee-svc configured\n", r.Out);
        Assert.Contains("deployment.apps/coffee unchanged\n", r.Out);
        var after = await h.Run("get", "svc", "coffee-svc", "-n", "e2e-apply", "-o", "jsonpath={.spec.clusterIP} {.spec.ports[0].nodePort} {.spec.ports[0].port} [{.metadata.labels}]");
        Ok(after);
        Assert.Equal(before + " 8081 []", after.Out);
    }

    [Fact]
    public async Task Get_prints_kubectl_tables_and_formats()
    {
        Ok(await h.Run("apply", "-f", h.Manifest("cafe2.yaml", Cafe("e2e-get"))));

        var pods = await h.Run("get", "pods", "-n", "e2e-get");
        Ok(pods);
        var lines = pods.Out.TrimEnd().Split('\n');
        Assert.Matches(@"^NAME\s{3,}READY\s{3}STATUS\s{4}RESTARTS\s{3}AGE$", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("client ") && l.Contains(" 0/1 ") && l.Contains("Pending"));

        var svc = await h.Run("get", "services", "-n", "e2e-get");
        Ok(svc);
        Assert.Matches(@"NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\n", svc.Out);
        Assert.Matches(@"coffee-svc\s+NodePort\s+10\.\d+\.\d+\.\d+\s+<none>\s+80:3\d{4}/TCP\s+\d+s\n", svc.Out);

        var deploy = await h.Run("get", "deploy", "-n", "e2e-get", "-o", "wide");
        Ok(deploy);
        Assert.Matches(@"NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\n", deploy.Out);
        Assert.Matches(@"coffee\s+\d/2\s+\d\s+\d\s+\d+s\s+coffee\s+agnhost\s+app=coffee\n", deploy.Out);

        var all = await h.Run("get", "po", "-A", "-l", "role=client");
        Ok(all);
        Assert.StartsWith("NAMESPACE", all.Out);
        Assert.Contains("e2e-get", all.Out);
        Assert.DoesNotContain("coffee-", all.Out);

        var multi = await h.Run("get", "svc,deploy", "-n", "e2e-get");
        Ok(multi);
        Assert.Contains("service/coffee-svc", multi.Out);
        Assert.Contains("deployment.apps/coffee", multi.Out);

        var yaml = await h.Run("get", "pod", "client", "-n", "e2e-get", "-o", "yaml");
        Ok(yaml);
        Assert.Contains("apiVersion: v1\nkind: Pod\nmetadata:\n", yaml.Out);
        Assert.Contains("  name: client\n  namespace: e2e-get\n", yaml.Out);
        // The YAML output is a manifest again: parse it back.
        var reparsed = Podnet.Api.Manifests.ManifestParser.Parse(yaml.Out);
        Assert.Equal("client", reparsed[0].Object["metadata"]!["name"]!.GetValue<string>());

        var json = await h.Run("get", "pods", "-n", "e2e-get", "-l", "role=client", "-o", "json");
        Ok(json);
        var list = System.Text.Json.Nodes.JsonNode.Parse(json.Out)!;
        Assert.Equal("List", list["kind"]!.GetValue<string>());
        Assert.Single(list["items"]!.AsArray());

        var names = await h.Run("get", "pod/client", "svc/coffee-svc", "-n", "e2e-get", "-o", "name");
        Ok(names);
        Assert.Equal("pod/client\nservice/coffee-svc\n", names.Out);

        var ns = await h.Run("get", "ns");
        Ok(ns);
        Assert.Matches(@"e2e-get\s+Active\s+\d+s", ns.Out);

        var none = await h.Run("get", "pods", "-n", "e2e-get", "-l", "app=nothing");
        Ok(none);
        Assert.Equal("", none.Out);
        Assert.Equal("No resources found in e2e-get namespace.\n", none.Err);
    }

    [Fact]
    public async Task Missing_objects_are_reported_like_kubectl()
    {
        var r = await h.Run("get", "pod", "nope");
        Failed(r);
        Assert.Equal("Error from server (NotFound): pods \"nope\" not found\n", r.Err);
        r = await h.Run("get", "deploy", "nope", "--ignore-not-found");
        Ok(r);
        Assert.Equal("", r.Out + r.Err);
        r = await h.Run("delete", "deploy", "nope");
        Failed(r);
        Assert.Equal("Error from server (NotFound): deployments.apps \"nope\" not found\n", r.Err);
        r = await h.Run("describe", "svc", "nope");
        Failed(r);
        Assert.Contains("services \"nope\" not found", r.Err);
    }

    [Fact]
    public async Task Describe_shows_kubectl_sections()
    {
        Ok(await h.Run("apply", "-f", h.Manifest("cafe3.yaml", Cafe("e2e-describe"))));
        var pod = await h.Run("describe", "pod", "client", "-n", "e2e-describe");
        Ok(pod);
        Assert.Matches(@"^Name:\s+client\nNamespace:\s+e2e-describe\n", pod.Out);
        Assert.Contains("Labels:", pod.Out);
        Assert.Contains("role=client", pod.Out);
        Assert.Matches(@"Containers:\n  probe:\n    Image:\s+agnhost\n    Command:\n      sleep\n      3600\n", pod.Out);

        var svc = await h.Run("describe", "svc/coffee-svc", "-n", "e2e-describe");
        Ok(svc);
        Assert.Matches(@"Type:\s+NodePort\n", svc.Out);
        Assert.Matches(@"Port:\s+http  80/TCP\nTargetPort:\s+8080/TCP\nNodePort:\s+http  3\d{4}/TCP\n", svc.Out);
        Assert.Matches(@"Selector:\s+app=coffee\n", svc.Out);

        var deploy = await h.Run("describe", "deployment", "coffee", "-n", "e2e-describe");
        Ok(deploy);
        Assert.Matches(@"Replicas:\s+2 desired \| \d updated \| \d total \| \d available \| \d unavailable\n", deploy.Out);
        Assert.Contains("Pod Template:\n  Labels:", deploy.Out);
    }

    [Fact]
    public async Task Delete_by_name_selector_and_manifest()
    {
        var file = h.Manifest("cafe4.yaml", Cafe("e2e-delete"));
        Ok(await h.Run("apply", "-f", file));

        var r = await h.Run("delete", "pod", "client", "-n", "e2e-delete");
        Ok(r);
        Assert.Equal("pod \"client\" deleted\n", r.Out);
        Failed(await h.Run("get", "pod", "client", "-n", "e2e-delete"));

        r = await h.Run("delete", "svc", "-l", "app=coffee", "-n", "e2e-delete");
        Ok(r);
        Assert.Equal("service \"coffee-svc\" deleted\n", r.Out);

        r = await h.Run("delete", "-f", file, "--ignore-not-found");
        Ok(r);
        Assert.Equal("deployment.apps \"coffee\" deleted\nnamespace \"e2e-delete\" deleted\n", r.Out);
        Failed(await h.Run("get", "ns", "e2e-delete"));

        r = await h.Run("delete", "pods");
        Assert.Equal(1, r.Exit);
        Assert.Contains("no name was specified", r.Err);
    }

    [Fact]
    public async Task Apply_from_stdin_and_directory()
    {
        var r = await h.RunWithInput(Cafe("e2e-stdin"), "apply", "-f", "-");
        Ok(r);
        Assert.Contains("pod/client created", r.Out);

        var dir = Path.Combine(h.Dir, "manifests");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "a-ns.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: e2e-dir\n");
        File.WriteAllText(Path.Combine(dir, "b-pod.json"), """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j","namespace":"e2e-dir"},"spec":{"containers":[{"name":"c","image":"x"}]}}""");
        File.WriteAllText(Path.Combine(dir, "README.md"), "not a manifest");
        r = await h.Run("apply", "-f", dir);
        Ok(r);
        Assert.Equal("namespace/e2e-dir created\npod/j created\n", r.Out);

        r = await h.Run("apply", "-f", Path.Combine(dir, "b-pod.json"), "--dry-run=server");
        Ok(r);
        Assert.Equal("pod/j unchanged (server dry run)\n", r.Out);
    }
}
