using Podnet.Api.Json;
using Podnet.Api.Manifests;
using Podnet.Api.Resources;

namespace Podnet.Api.Tests;

public sealed class ManifestTests
{
    [Fact]
    public void ScalarsAreTypedTheWayKubernetesReadsYaml()
    {
        var docs = ManifestParser.Parse("""
            apiVersion: v1
            kind: Service
            metadata:
              name: coffee
              labels:
                version: "1.0"
                enabled: "true"
            spec:
              ports:
              - port: 80
                targetPort: "8080"
                name: http
              publishNotReadyAddresses: true
              externalName: ~
              clusterIP: 10.96.0.10
            """);
        var o = Assert.Single(docs).Object;
        Assert.Equal(ApiResources.Services, docs[0].Resource);
        Assert.Equal("""{"port":80,"targetPort":"8080","name":"http"}""", o["spec"]!["ports"]![0]!.ToJsonString());
        Assert.Equal("true", o["spec"]!["publishNotReadyAddresses"]!.ToJsonString());
        Assert.Equal("\"1.0\"", o["metadata"]!["labels"]!["version"]!.ToJsonString());
        Assert.Equal("\"true\"", o["metadata"]!["labels"]!["enabled"]!.ToJsonString());
        Assert.Null(o["spec"]!["externalName"]);
        Assert.Equal("\"10.96.0.10\"", o["spec"]!["clusterIP"]!.ToJsonString());
    }

    [Theory]
    [InlineData("x: 80", "80")]
    [InlineData("x: '80'", "\"80\"")]
    [InlineData("x: -3", "-3")]
    [InlineData("x: 1.5", "1.5")]
    [InlineData("x: 0x1F", "31")]
    [InlineData("x: False", "false")]
    [InlineData("x: yes", "\"yes\"")]
    [InlineData("x: 25%", "\"25%\"")]
    [InlineData("x: 1.2.3.4", "\"1.2.3.4\"")]
    [InlineData("x: !!str 42", "\"42\"")]
    [InlineData("x: 007", "7")]
    [InlineData("x: |\n  line\n", "\"line\\n\"")]
    public void ScalarTable(string yaml, string json)
    {
        var o = ManifestParser.ParseObjects(yaml)[0];
        Assert.Equal(json, o["x"]!.ToJsonString());
    }

    [Fact]
    public void MultipleDocumentsAndListsAndEmptyDocuments()
    {
        var docs = ManifestParser.Parse("""
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: cafe}
            ---
            ---
            apiVersion: v1
            kind: List
            items:
            - apiVersion: apps/v1
              kind: Deployment
              metadata: {name: coffee}
            - apiVersion: networking.k8s.io/v1
              kind: Ingress
              metadata: {name: cafe}
            """);
        Assert.Equal(["Namespace", "Deployment", "Ingress"], docs.Select(d => d.Object.Kind()));
        Assert.Equal("/apis/apps/v1/namespaces/cafe/deployments", docs[1].Resource.CollectionPath("cafe"));
    }

    [Fact]
    public void UnknownKindNamesTheDocument()
    {
        var e = Assert.Throws<ManifestException>(() => ManifestParser.Parse("""
            apiVersion: v1
            kind: Namespace
            metadata: {name: a}
            ---
            apiVersion: v1
            kind: Widget
            metadata: {name: w}
            """, "cafe.yaml"));
        Assert.Contains("cafe.yaml: document 2 (Widget \"w\"): unknown kind \"Widget\"", e.Message);
    }

    [Fact]
    public void WrongApiVersionNamesTheRightOne()
    {
        var e = Assert.Throws<ManifestException>(() => ManifestParser.Parse("apiVersion: v1\nkind: Deployment\nmetadata: {name: web}\n"));
        Assert.Contains("document 1 (Deployment \"web\"): kind Deployment does not exist in apiVersion \"v1\" (use \"apps/v1\")", e.Message);
    }

    [Fact]
    public void BadYamlAndNonMappingsAreClearErrors()
    {
        var e = Assert.Throws<ManifestException>(() => ManifestParser.Parse("kind: Pod\n  bad: [\n"));
        Assert.Contains("invalid YAML at line", e.Message);
        var e2 = Assert.Throws<ManifestException>(() => ManifestParser.Parse("- a\n- b\n"));
        Assert.Contains("document 1 is not a mapping", e2.Message);
        var e3 = Assert.Throws<ManifestException>(() => ManifestParser.Parse("kind: Pod\nkind: Service\n"));
        Assert.Contains("line 2", e3.Message);
        Assert.Contains("duplicate key", e3.Message, StringComparison.OrdinalIgnoreCase);
        var e4 = Assert.Throws<ManifestException>(() => ManifestParser.Parse("metadata: {name: x}\n"));
        Assert.Contains("kind is missing", e4.Message);
    }
}
