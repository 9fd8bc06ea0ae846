using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer.Tests;

public class CrudTests
{
    private const string Pods = "/api/v1/namespaces/default/pods";

    [Fact]
    public async Task CreateGetReplaceDeleteRoundTrip()
    {
        await using var f = await ServerFixture.StartAsync();
        var created = await f.CreateAsync(Pods, ServerFixture.Pod("p1"));
        Assert.Equal("p1", (string?)created["metadata"]!["name"]);
        Assert.Equal("default", (string?)created["metadata"]!["namespace"]);
        Assert.True(Guid.TryParse(ServerFixture.Uid(created), out _));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", (string?)created["metadata"]!["creationTimestamp"]);
        Assert.Equal("Pending", (string?)created["status"]!["phase"]);

        var (code, got) = await f.GetAsync(Pods + "/p1");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(ServerFixture.Rv(created), ServerFixture.Rv(got));

        got["metadata"]!["labels"] = new JsonObject { ["a"] = "b" };
        var (putCode, replaced) = await f.PutAsync(Pods + "/p1", got);
        Assert.Equal(HttpStatusCode.OK, putCode);
        Assert.True(long.Parse(ServerFixture.Rv(replaced)) > long.Parse(ServerFixture.Rv(created)));
        Assert.Equal("b", (string?)replaced["metadata"]!["labels"]!["a"]);

        var (delCode, deleted) = await f.DeleteAsync(Pods + "/p1");
        Assert.Equal(HttpStatusCode.OK, delCode);
        Assert.Equal("Pod", (string?)deleted["kind"]);
        var (missingCode, status) = await f.GetAsync(Pods + "/p1");
        Assert.Equal(HttpStatusCode.NotFound, missingCode);
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal("NotFound", (string?)status["reason"]);
        Assert.Equal("pods \"p1\" not found", (string?)status["message"]);
        Assert.Equal("p1", (string?)status["details"]!["name"]);
        Assert.Equal("pods", (string?)status["details"]!["kind"]);
        Assert.Equal(404, (int?)status["code"]);
    }

    [Fact]
    public async Task ResourceVersionIsOneGlobalCounterAcrossResources()
    {
        await using var f = await ServerFixture.StartAsync();
        var a = await f.CreateAsync(Pods, ServerFixture.Pod("a"));
        var b = await f.CreateAsync("/api/v1/namespaces/default/configmaps", ServerFixture.ConfigMap("b"));
        var c = await f.CreateAsync("/api/v1/nodes", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "n1" } });
        Assert.Equal(long.Parse(ServerFixture.Rv(a)) + 1, long.Parse(ServerFixture.Rv(b)));
        Assert.Equal(long.Parse(ServerFixture.Rv(b)) + 1, long.Parse(ServerFixture.Rv(c)));
    }

    [Fact]
    public async Task GenerateNameProducesUniqueNamesWithThePrefix()
    {
        await using var f = await ServerFixture.StartAsync();
        var template = new JsonObject { ["metadata"] = new JsonObject { ["generateName"] = "web-" }, ["data"] = new JsonObject() };
        var one = await f.CreateAsync("/api/v1/namespaces/default/configmaps", (JsonObject)template.DeepClone());
        var two = await f.CreateAsync("/api/v1/namespaces/default/configmaps", (JsonObject)template.DeepClone());
        var name1 = (string)one["metadata"]!["name"]!;
        var name2 = (string)two["metadata"]!["name"]!;
        Assert.Matches("^web-[a-z0-9]{5}$", name1);
        Assert.NotEqual(name1, name2);
        Assert.Equal("ConfigMap", (string?)one["kind"]);
        Assert.Equal("v1", (string?)one["apiVersion"]);
    }

    [Fact]
    public async Task CreatingAnExistingNameIs409AlreadyExists()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.CreateAsync(Pods, ServerFixture.Pod("dup"));
        var (code, status) = await f.PostAsync(Pods, ServerFixture.Pod("dup"));
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("AlreadyExists", (string?)status["reason"]);
        Assert.Equal("pods \"dup\" already exists", (string?)status["message"]);
        Assert.Equal(409, (int?)status["code"]);
    }

    [Fact]
    public async Task MissingNameIs422InvalidWithAFieldCause()
    {
        await using var f = await ServerFixture.StartAsync();
        var (code, status) = await f.PostAsync(Pods, new JsonObject { ["metadata"] = new JsonObject(), ["spec"] = new JsonObject() });
        Assert.Equal((HttpStatusCode)422, code);
        Assert.Equal("Invalid", (string?)status["reason"]);
        Assert.Equal("Pod", (string?)status["details"]!["kind"]);
        Assert.Equal("metadata.name", (string?)status["details"]!["causes"]![0]!["field"]);
        Assert.Equal("FieldValueRequired", (string?)status["details"]!["causes"]![0]!["reason"]);
    }

    [Fact]
    public async Task InvalidNameIs422()
    {
        await using var f = await ServerFixture.StartAsync();
        var (code, status) = await f.PostAsync(Pods, ServerFixture.Pod("Not_Valid"));
        Assert.Equal((HttpStatusCode)422, code);
        Assert.Contains("RFC 1123", (string?)status["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedJsonIs400BadRequest()
    {
        await using var f = await ServerFixture.StartAsync();
        using var content = new StringContent("{\"metadata\": {", Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        using var response = await f.Http.PostAsync(Pods, content);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("BadRequest", (string?)status["reason"]);
    }

    private static byte[] Field(int number, byte[] payload) => [(byte)((number << 3) | 2), (byte)payload.Length, .. payload];

    private static byte[] Field(int number, string text) => Field(number, Encoding.UTF8.GetBytes(text));

    private static async Task<HttpResponseMessage> PostProtobufAsync(ServerFixture f, string path, string apiVersion, string kind, byte[] raw)
    {
        byte[] body = [0x6b, 0x38, 0x73, 0x00, .. Field(1, [.. Field(1, apiVersion), .. Field(2, kind)]), .. Field(2, raw)];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/vnd.kubernetes.protobuf");
        return await f.Http.PostAsync(path, content);
    }

    [Fact]
    public async Task ProtobufConfigMapBodiesAreDecoded()
    {
        await using var f = await ServerFixture.StartAsync();
        byte[] meta = [.. Field(1, "cm"), .. Field(3, "default"), .. Field(11, [.. Field(1, "app"), .. Field(2, "web")])];
        byte[] raw = [.. Field(1, meta), .. Field(2, [.. Field(1, "a"), .. Field(2, "b")])];
        using var response = await PostProtobufAsync(f, "/api/v1/namespaces/default/configmaps", "v1", "ConfigMap", raw);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var (_, cm) = await f.GetAsync("/api/v1/namespaces/default/configmaps/cm");
        Assert.Equal("b", (string?)cm["data"]!["a"]);
        Assert.Equal("web", (string?)cm["metadata"]!["labels"]!["app"]);
    }

    [Fact]
    public async Task ProtobufBodiesOfKindsWithoutASchemaAre415()
    {
        await using var f = await ServerFixture.StartAsync();
        using var response = await PostProtobufAsync(f, "/api/v1/namespaces/default/services", "v1", "Service", [.. Field(1, Field(1, "s")), .. Field(2, Field(3, "None"))]);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        using var yaml = new StringContent("kind: Pod", Encoding.UTF8, "application/yaml");
        using var yamlResponse = await f.Http.PostAsync("/api/v1/namespaces/default/pods", yaml);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, yamlResponse.StatusCode);
    }

    [Fact]
    public async Task KindOrApiVersionNotMatchingTheEndpointIs400()
    {
        await using var f = await ServerFixture.StartAsync();
        var (code, status) = await f.PostAsync(Pods, ServerFixture.ConfigMap("cm"));
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Contains("ConfigMap", (string?)status["message"], StringComparison.Ordinal);

        var pod = ServerFixture.Pod("p");
        pod["apiVersion"] = "apps/v1";
        (code, _) = await f.PostAsync(Pods, pod);
        Assert.Equal(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task CreatingInAMissingNamespaceIs404ForTheNamespace()
    {
        await using var f = await ServerFixture.StartAsync();
        var (code, status) = await f.PostAsync("/api/v1/namespaces/nope/pods", ServerFixture.Pod("p"));
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("namespaces \"nope\" not found", (string?)status["message"]);
    }

    [Fact]
    public async Task BodyNamespaceDifferentFromUrlIs400()
    {
        await using var f = await ServerFixture.StartAsync();
        var pod = ServerFixture.Pod("p");
        pod["metadata"]!["namespace"] = "kube-system";
        var (code, _) = await f.PostAsync(Pods, pod);
        Assert.Equal(HttpStatusCode.BadRequest, code);
    }

    [Fact]
    public async Task ReplaceWithStaleResourceVersionIs409Conflict()
    {
        await using var f = await ServerFixture.StartAsync();
        var created = await f.CreateAsync("/api/v1/namespaces/default/configmaps", ServerFixture.ConfigMap("c"));
        var first = (JsonObject)created.DeepClone();
        first["data"]!["k"] = "1";
        Assert.Equal(HttpStatusCode.OK, (await f.PutAsync("/api/v1/namespaces/default/configmaps/c", first)).Code);

        var stale = (JsonObject)created.DeepClone();
        stale["data"]!["k"] = "2";
        var (code, status) = await f.PutAsync("/api/v1/namespaces/default/configmaps/c", stale);
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal("Conflict", (string?)status["reason"]);
        Assert.Equal("Operation cannot be fulfilled on configmaps \"c\": the object has been modified; please apply your changes to the latest version and try again", (string?)status["message"]);
    }

    [Fact]
    public async Task ReplaceWithoutResourceVersionIsUnconditional()
    {
        await using var f = await ServerFixture.StartAsync();
        var created = await f.CreateAsync("/api/v1/namespaces/default/configmaps", ServerFixture.ConfigMap("c"));
        await f.PutAsync("/api/v1/namespaces/default/configmaps/c", ServerFixture.ConfigMap("c", "1"));
        var (code, body) = await f.PutAsync("/api/v1/namespaces/default/configmaps/c", ServerFixture.ConfigMap("c", "2"));
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("2", (string?)body["data"]!["k"]);
        Assert.Equal(ServerFixture.Uid(created), ServerFixture.Uid(body));
        Assert.Equal((string?)created["metadata"]!["creationTimestamp"], (string?)body["metadata"]!["creationTimestamp"]);
    }

    [Fact]
    public async Task NoOpReplaceKeepsTheResourceVersion()
    {
        await using var f = await ServerFixture.StartAsync();
        var created = await f.CreateAsync("/api/v1/namespaces/default/configmaps", ServerFixture.ConfigMap("c"));
        var (_, same) = await f.PutAsync("/api/v1/namespaces/default/configmaps/c", created);
        Assert.Equal(ServerFixture.Rv(created), ServerFixture.Rv(same));
        Assert.Equal(long.Parse(ServerFixture.Rv(created)), f.Server.Store.CurrentResourceVersion);
    }

    [Fact]
    public async Task ReplaceOfAMissingObjectIs404AndNameMismatchIs400()
    {
        await using var f = await ServerFixture.StartAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await f.PutAsync("/api/v1/namespaces/default/configmaps/c", ServerFixture.ConfigMap("c"))).Code);
        await f.CreateAsync("/api/v1/namespaces/default/configmaps", ServerFixture.ConfigMap("c"));
        var (code, status) = await f.PutAsync("/api/v1/namespaces/default/configmaps/c", ServerFixture.ConfigMap("other"));
        Assert.Equal(HttpStatusCode.BadRequest, code);
        Assert.Equal("the name of the object (other) does not match the name on the URL (c)", (string?)status["message"]);
    }

    [Fact]
    public async Task LeasePutCreatesWhenMissing()
    {
        await using var f = await ServerFixture.StartAsync();
        var lease = new JsonObject
        {
            ["apiVersion"] = "coordination.k8s.io/v1",
            ["kind"] = "Lease",
            ["metadata"] = new JsonObject { ["name"] = "leader" },
            ["spec"] = new JsonObject { ["holderIdentity"] = "me", ["leaseDurationSeconds"] = 15 },
        };
        var (code, created) = await f.PutAsync("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/leader", lease);
        Assert.Equal(HttpStatusCode.Created, code);
        Assert.Equal("kube-system", (string?)created["metadata"]!["namespace"]);
    }

    [Fact]
    public async Task UnknownPathsAre404AndCollectionCreateWithoutNamespaceIs405()
    {
        await using var f = await ServerFixture.StartAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync("/api/v1/namespaces/default/widgets")).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync("/apis/kubevirt.io/v1/virtualmachines")).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync("/api/v1/namespaces/default/configmaps/x/status")).Code);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await f.PostAsync("/api/v1/pods", ServerFixture.Pod("p"))).Code);
    }

    [Fact]
    public async Task ClusterScopedObjectsHaveNoNamespace()
    {
        await using var f = await ServerFixture.StartAsync();
        var node = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "n1", ["namespace"] = "default" } };
        var created = await f.CreateAsync("/api/v1/nodes", node);
        Assert.Null(created["metadata"]!["namespace"]);
        var (code, got) = await f.GetAsync("/api/v1/nodes/n1");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("Node", (string?)got["kind"]);
    }

    [Fact]
    public async Task ServicesGetAClusterIp()
    {
        await using var f = await ServerFixture.StartAsync();
        var svc = new JsonObject { ["metadata"] = new JsonObject { ["name"] = "s" }, ["spec"] = new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["port"] = 80 }) } };
        var created = await f.CreateAsync("/api/v1/namespaces/default/services", svc);
        var ip = (string?)created["spec"]!["clusterIP"];
        Assert.StartsWith("10.96.", ip, StringComparison.Ordinal);
        Assert.Equal(ip, (string?)created["spec"]!["clusterIPs"]![0]);
    }

    [Fact]
    public async Task DirectStoreAccessFollowsTheSameRules()
    {
        await using var f = await ServerFixture.StartAsync();
        var pods = f.Server.Resources.Get(new GroupResource(string.Empty, "pods"));
        var created = f.Server.Store.Create(ServerFixture.Pod("direct"));
        Assert.Equal("default", (string?)created["metadata"]!["namespace"]);
        var (code, got) = await f.GetAsync(Pods + "/direct");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(ServerFixture.Uid(created), ServerFixture.Uid(got));
        var error = Assert.Throws<KubeApiException>(() => f.Server.Store.Create(pods, ServerFixture.Pod("direct"), "default"));
        Assert.Equal(409, error.Code);
        Assert.Single(f.Server.Store.List(pods, "default"));
        f.Server.Store.Delete(pods, "default", "direct");
        Assert.Null(f.Server.Store.TryGet(pods, "default", "direct"));
    }
}
