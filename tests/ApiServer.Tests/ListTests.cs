using System.Net;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer.Tests;

public class ListTests
{
    private const string Pods = "/api/v1/namespaces/default/pods";

    private static async Task<ServerFixture> WithLabelledPodsAsync()
    {
        var f = await ServerFixture.StartAsync();
        await f.CreateAsync(Pods, ServerFixture.Pod("a", new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" }, "node1"));
        await f.CreateAsync(Pods, ServerFixture.Pod("b", new Dictionary<string, string> { ["app"] = "web" }, "node2"));
        await f.CreateAsync(Pods, ServerFixture.Pod("c", new Dictionary<string, string> { ["app"] = "db", ["tier"] = "back" }, "node1"));
        await f.CreateAsync(Pods, ServerFixture.Pod("d"));
        return f;
    }

    private static async Task<List<string>> NamesAsync(ServerFixture f, string path)
    {
        var (code, list) = await f.GetAsync(path);
        Assert.True(code == HttpStatusCode.OK, $"{path}: {code} {list.ToJsonString()}");
        return list["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!).ToList();
    }

    [Theory]
    [InlineData("app=web", "a,b")]
    [InlineData("app==web", "a,b")]
    [InlineData("app!=web", "c,d")]
    [InlineData("app in (web,db)", "a,b,c")]
    [InlineData("app notin (web)", "c,d")]
    [InlineData("tier", "a,c")]
    [InlineData("!tier", "b,d")]
    [InlineData("app=web,tier=front", "a")]
    [InlineData("app in (web, db),!tier", "b")]
    public async Task LabelSelectorsFilterLikeTheRealServer(string selector, string expected)
    {
        await using var f = await WithLabelledPodsAsync();
        Assert.Equal(expected.Split(','), await NamesAsync(f, Pods + "?labelSelector=" + Uri.EscapeDataString(selector)));
    }

    [Theory]
    [InlineData("metadata.name=b", "b")]
    [InlineData("metadata.name!=b", "a,c,d")]
    [InlineData("metadata.namespace=default", "a,b,c,d")]
    [InlineData("spec.nodeName=node1", "a,c")]
    [InlineData("spec.nodeName=node1,metadata.name!=a", "c")]
    [InlineData("spec.nodeName=", "d")]
    [InlineData("status.phase=Pending", "a,b,c,d")]
    public async Task FieldSelectorsFilterOnDottedPaths(string selector, string expected)
    {
        await using var f = await WithLabelledPodsAsync();
        Assert.Equal(expected.Split(','), await NamesAsync(f, Pods + "?fieldSelector=" + Uri.EscapeDataString(selector)));
    }

    [Fact]
    public async Task MalformedSelectorsAre400()
    {
        await using var f = await WithLabelledPodsAsync();
        Assert.Equal(HttpStatusCode.BadRequest, (await f.GetAsync(Pods + "?fieldSelector=nonsense")).Code);
        Assert.Equal(HttpStatusCode.BadRequest, (await f.GetAsync(Pods + "?labelSelector=" + Uri.EscapeDataString("a b=c"))).Code);
    }

    [Fact]
    public async Task ListCarriesKindAndTheCurrentResourceVersion()
    {
        await using var f = await WithLabelledPodsAsync();
        var (_, list) = await f.GetAsync(Pods);
        Assert.Equal("PodList", (string?)list["kind"]);
        Assert.Equal("v1", (string?)list["apiVersion"]);
        Assert.Equal(f.Server.Store.CurrentResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)list["metadata"]!["resourceVersion"]);
    }

    [Fact]
    public async Task AllNamespacesListIncludesEveryNamespace()
    {
        await using var f = await WithLabelledPodsAsync();
        await f.CreateAsync("/api/v1/namespaces/kube-system/pods", ServerFixture.Pod("sys"));
        Assert.Equal(["a", "b", "c", "d", "sys"], await NamesAsync(f, "/api/v1/pods"));
        Assert.Equal(["sys"], await NamesAsync(f, "/api/v1/namespaces/kube-system/pods"));
        Assert.Equal(["sys"], await NamesAsync(f, "/api/v1/pods?fieldSelector=metadata.namespace%3Dkube-system"));
    }

    [Fact]
    public async Task LimitAndContinueWalkAllItemsOnce()
    {
        await using var f = await ServerFixture.StartAsync();
        for (var i = 0; i < 7; i++)
        {
            await f.CreateAsync("/api/v1/namespaces/default/configmaps", ServerFixture.ConfigMap($"cm{i}"));
        }

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        string? firstRv = null;
        do
        {
            var path = "/api/v1/namespaces/default/configmaps?limit=3" + (token is null ? string.Empty : "&continue=" + Uri.EscapeDataString(token));
            var (code, page) = await f.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, code);
            firstRv ??= (string?)page["metadata"]!["resourceVersion"];
            Assert.Equal(firstRv, (string?)page["metadata"]!["resourceVersion"]);
            seen.AddRange(page["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!));
            token = (string?)page["metadata"]!["continue"];
            if (pages == 0)
            {
                Assert.Equal(4, (long?)page["metadata"]!["remainingItemCount"]);
            }

            pages++;
        }
        while (token is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"cm{i}"), seen);
    }

    [Fact]
    public async Task ContinueTokenOlderThanTheCompactedHistoryIs410Expired()
    {
        await using var f = await ServerFixture.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            await f.CreateAsync("/api/v1/namespaces/default/configmaps", ServerFixture.ConfigMap($"cm{i}"));
        }

        var (_, page) = await f.GetAsync("/api/v1/namespaces/default/configmaps?limit=1");
        var token = (string)page["metadata"]!["continue"]!;
        await f.CreateAsync("/api/v1/namespaces/default/configmaps", ServerFixture.ConfigMap("later"));
        f.Server.Store.CompactHistory();
        var (code, status) = await f.GetAsync("/api/v1/namespaces/default/configmaps?limit=1&continue=" + Uri.EscapeDataString(token));
        Assert.Equal(HttpStatusCode.Gone, code);
        Assert.Equal("Expired", (string?)status["reason"]);
        Assert.Equal(410, (int?)status["code"]);
    }

    [Fact]
    public async Task TableOutputHasColumnsRowsAndObjectMetadata()
    {
        await using var f = await WithLabelledPodsAsync();
        var (code, table) = await f.SendAsync(HttpMethod.Get, "/api/v1/pods", accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("Table", (string?)table["kind"]);
        Assert.Equal("meta.k8s.io/v1", (string?)table["apiVersion"]);
        Assert.Equal(["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node"], table["columnDefinitions"]!.AsArray().Select(c => (string?)c!["name"]));
        var rows = table["rows"]!.AsArray();
        Assert.Equal(4, rows.Count);
        Assert.Equal("a", (string?)rows[0]!["cells"]![0]);
        Assert.Equal("Pending", (string?)rows[0]!["cells"]![2]);
        Assert.Equal("node1", (string?)rows[0]!["cells"]![6]);
        Assert.Equal("PartialObjectMetadata", (string?)rows[0]!["object"]!["kind"]);
        Assert.Equal("default", (string?)rows[0]!["object"]!["metadata"]!["namespace"]);
    }

    [Fact]
    public async Task TablesForNodesServicesAndEventsUseTheirUsualColumns()
    {
        await using var f = await ServerFixture.StartAsync();
        const string Table = "application/json;as=Table;v=v1;g=meta.k8s.io";
        await f.CreateAsync("/api/v1/nodes", JsonNode.Parse("""{"metadata":{"name":"n1"},"status":{"conditions":[{"type":"Ready","status":"True"}]}}""")!.AsObject());
        var node = (await f.GetAsync("/api/v1/nodes/n1")).Body;
        node["status"] = JsonNode.Parse("""{"conditions":[{"type":"Ready","status":"True"}],"nodeInfo":{"kubeletVersion":"v1.32.0"}}""");
        await f.PutAsync("/api/v1/nodes/n1/status", node);
        var (_, nodes) = await f.SendAsync(HttpMethod.Get, "/api/v1/nodes", accept: Table);
        Assert.Equal(["n1", "Ready"], nodes["rows"]![0]!["cells"]!.AsArray().Take(2).Select(c => (string?)c));

        await f.CreateAsync("/api/v1/namespaces/default/services", JsonNode.Parse("""{"metadata":{"name":"web"},"spec":{"ports":[{"port":80,"protocol":"TCP"}]}}""")!.AsObject());
        var (_, services) = await f.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/services", accept: Table);
        var cells = services["rows"]![0]!["cells"]!.AsArray();
        Assert.Equal("ClusterIP", (string?)cells[1]);
        Assert.Equal("80/TCP", (string?)cells[3]);

        await f.CreateAsync("/api/v1/namespaces/default/events", JsonNode.Parse("""{"metadata":{"name":"e1"},"type":"Warning","reason":"Failed","message":"boom","involvedObject":{"kind":"Pod","name":"p"}}""")!.AsObject());
        var (_, events) = await f.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/events", accept: Table);
        Assert.Equal(["Warning", "Failed", "pod/p", "boom"], events["rows"]![0]!["cells"]!.AsArray().Skip(1).Select(c => (string?)c));
    }
}
