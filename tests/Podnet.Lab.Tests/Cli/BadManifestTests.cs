namespace Podnet.Lab.Tests.Cli;

/// <summary>Bad manifests are rejected with a message naming the document, the object and the
/// field, and a multi-document apply with one bad document applies nothing.</summary>
public sealed class BadManifestTests(CliHarness h) : IClassFixture<CliHarness>
{
    private const string GoodPod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: good-pod
        spec:
          containers:
          - name: c
            image: agnhost
        """;

    private const string GoodService = """
        apiVersion: v1
        kind: Service
        metadata:
          name: good-svc
        spec:
          selector: {app: x}
          ports:
          - port: 80
        """;

    /// <summary>Applies "good pod, good service, BAD" in a fresh namespace; checks the message and that
    /// neither good object was created.</summary>
    private async Task<string> RejectAsync(string ns, string bad, params string[] expected)
    {
        var file = h.Manifest(ns + ".yaml", $"{GoodPod}\n---\n{GoodService}\n---\n{bad}\n");
        Assert.Equal(0, (await h.Run("apply", "-f", h.Manifest(ns + "-ns.yaml", $"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"))).Exit);
        var r = await h.Run("apply", "-f", file, "-n", ns);
        Assert.True(r.Exit == 1, r.ToString());
        Assert.Equal("", r.Out);
        Assert.Contains($"{file}: document 3", r.Err);
        foreach (var e in expected) Assert.Contains(e, r.Err);
        Assert.Contains("nothing was applied", r.Err);
        Assert.DoesNotContain("   at ", r.Err); // no stack trace
        var left = await h.Run("get", "pods,svc", "-n", ns, "-o", "name");
        Assert.Equal("", left.Out);
        return r.Err;
    }

    [Fact]
    public Task Missing_container_name_names_the_field() => RejectAsync("bad-cname", """
        apiVersion: v1
        kind: Pod
        metadata:
          name: p3
        spec:
          containers:
          - image: agnhost
        """, "(Pod \"p3\")", "spec.containers[0].name", "Required value");

    [Fact]
    public Task Missing_name_names_the_field() => RejectAsync("bad-noname", """
        apiVersion: v1
        kind: Pod
        metadata:
          labels: {a: b}
        spec:
          containers: [{name: c, image: x}]
        """, "metadata.name", "Required value");

    [Fact]
    public Task Invalid_port_names_the_field() => RejectAsync("bad-port", """
        apiVersion: v1
        kind: Service
        metadata:
          name: s3
        spec:
          ports:
          - port: 0
        """, "(Service \"s3\")", "spec.ports[0].port", "Invalid value: 0");

    [Fact]
    public Task Wrong_field_type_names_the_field() => RejectAsync("bad-type", """
        apiVersion: v1
        kind: Service
        metadata:
          name: s4
        spec:
          ports:
          - port: eighty
        """, "(Service \"s4\")", "spec.ports[0].port");

    [Fact]
    public Task Unknown_kind_is_named() => RejectAsync("bad-kind", """
        apiVersion: v1
        kind: Potato
        metadata:
          name: spud
        """, "unknown kind \"Potato\"");

    [Fact]
    public Task Wrong_api_version_is_named() => RejectAsync("bad-version", """
        apiVersion: v1
        kind: Deployment
        metadata:
          name: d
        """, "kind Deployment does not exist in apiVersion \"v1\"", "apps/v1");

    [Fact]
    public Task Bad_selector_is_named() => RejectAsync("bad-selector", """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: other}
            spec:
              containers: [{name: c, image: x}]
        """, "(Deployment \"web\")", "spec.template.metadata.labels");

    [Fact]
    public Task Bad_selector_operator_is_named() => RejectAsync("bad-selop", """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: np
        spec:
          podSelector:
            matchExpressions:
            - {key: app, operator: Maybe, values: [x]}
        """, "(NetworkPolicy \"np\")", "operator");

    [Fact]
    public Task Duplicate_names_are_named() => RejectAsync("bad-dup", """
        apiVersion: v1
        kind: Service
        metadata:
          name: good-svc
        spec:
          ports: [{port: 81}]
        """, "(Service \"good-svc\")", "Duplicate value", "document 2");

    [Fact]
    public Task Namespace_mismatch_is_named() => RejectAsync("bad-nsmismatch", """
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
          namespace: elsewhere
        spec:
          containers: [{name: c, image: x}]
        """, "the namespace from the provided object \"elsewhere\" does not match the namespace \"bad-nsmismatch\"");

    [Fact]
    public async Task Missing_namespace_is_reported_by_the_server_and_nothing_applied()
    {
        var file = h.Manifest("nsmissing.yaml", """
            apiVersion: v1
            kind: Namespace
            metadata: {name: ns-present}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: p, namespace: nowhere}
            spec:
              containers: [{name: c, image: x}]
            """);
        var r = await h.Run("apply", "-f", file);
        Assert.True(r.Exit == 1, r.ToString());
        Assert.Contains($"{file}: document 2 (Pod \"p\")", r.Err);
        Assert.Contains("Error from server (NotFound): namespaces \"nowhere\" not found", r.Err);
        Assert.Equal(1, (await h.Run("get", "ns", "ns-present")).Exit);
    }

    [Fact]
    public async Task Yaml_syntax_error_names_the_line()
    {
        var file = h.Manifest("syntax.yaml", GoodPod + "\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: [oops\n");
        var r = await h.Run("apply", "-f", file);
        Assert.Equal(1, r.Exit);
        Assert.Contains($"{file}: invalid YAML at line", r.Err);
        Assert.Equal("", (await h.Run("get", "pod", "good-pod", "--ignore-not-found", "-o", "name")).Out);
    }

    [Fact]
    public async Task Every_bad_document_is_reported_not_just_the_first()
    {
        var file = h.Manifest("two-bad.yaml", """
            apiVersion: v1
            kind: Service
            metadata: {name: b}
            spec:
              ports: [{port: 70000}]
            ---
            apiVersion: v1
            kind: Potato
            metadata: {name: a}
            """);
        var r = await h.Run("apply", "-f", file);
        Assert.Equal(1, r.Exit);
        Assert.Contains("document 1 (Service \"b\")", r.Err);
        Assert.Contains("document 2 (Potato \"a\")", r.Err);
        Assert.True(r.Err.IndexOf("document 1", StringComparison.Ordinal) < r.Err.IndexOf("document 2", StringComparison.Ordinal), "errors are reported in document order");
        Assert.Contains("spec.ports[0].port", r.Err);
        Assert.Contains("nothing was applied: 2 problem(s) in 2 document(s)", r.Err);
    }

    [Fact]
    public async Task A_namespace_created_by_the_same_manifest_is_not_an_error()
    {
        var r = await h.Run("apply", "-f", h.Manifest("ns-and-pod.yaml", """
            apiVersion: v1
            kind: Namespace
            metadata: {name: fresh-ns}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: p, namespace: fresh-ns}
            spec:
              containers: [{name: c, image: x}]
            """));
        Assert.True(r.Exit == 0, r.ToString());
        Assert.Equal("namespace/fresh-ns created\npod/p created\n", r.Out);

        // The same with a bad pod: local validation still catches it and nothing is created.
        r = await h.Run("apply", "-f", h.Manifest("ns-and-bad-pod.yaml", """
            apiVersion: v1
            kind: Namespace
            metadata: {name: fresh-ns2}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: p, namespace: fresh-ns2}
            spec:
              containers: [{image: x}]
            """));
        Assert.Equal(1, r.Exit);
        Assert.Contains("document 2 (Pod \"p\")", r.Err);
        Assert.Contains("spec.containers[0].name", r.Err);
        Assert.Equal(1, (await h.Run("get", "ns", "fresh-ns2")).Exit);
    }

    [Fact]
    public async Task Create_refuses_existing_objects_without_writing()
    {
        var file = h.Manifest("create.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: create-ns\n");
        Assert.Equal(0, (await h.Run("create", "-f", file)).Exit);
        var r = await h.Run("create", "-f", file);
        Assert.Equal(1, r.Exit);
        Assert.Contains("(AlreadyExists)", r.Err);
        Assert.Contains("namespaces \"create-ns\" already exists", r.Err);
    }
}
