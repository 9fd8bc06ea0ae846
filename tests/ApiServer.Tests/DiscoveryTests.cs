using System.Net;
using System.Text.Json.Nodes;

namespace VmNet.ApiServer.Tests;

public class DiscoveryTests
{
    private static JsonObject? Resource(JsonObject list, string name) =>
        list["resources"]!.AsArray().OfType<JsonObject>().FirstOrDefault(r => (string?)r["name"] == name);

    [Fact]
    public async Task CoreDiscoveryListsPodsWithStatusSubresource()
    {
        await using var f = await ServerFixture.StartAsync();
        var (_, api) = await f.GetAsync("/api");
        Assert.Equal("APIVersions", (string?)api["kind"]);
        Assert.Equal("v1", (string?)api["versions"]![0]);

        var (code, v1) = await f.GetAsync("/api/v1");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("APIResourceList", (string?)v1["kind"]);
        Assert.Equal("v1", (string?)v1["groupVersion"]);
        var pods = Resource(v1, "pods")!;
        Assert.True((bool)pods["namespaced"]!);
        Assert.Equal("Pod", (string?)pods["kind"]);
        Assert.Equal("pod", (string?)pods["singularName"]);
        Assert.Contains("po", pods["shortNames"]!.AsArray().Select(s => (string?)s));
        Assert.Contains("watch", pods["verbs"]!.AsArray().Select(s => (string?)s));
        var status = Resource(v1, "pods/status")!;
        Assert.Equal(["get", "patch", "update"], status["verbs"]!.AsArray().Select(s => (string?)s));
        Assert.False((bool)Resource(v1, "nodes")!["namespaced"]!);
        Assert.NotNull(Resource(v1, "namespaces"));
        Assert.NotNull(Resource(v1, "services"));
        Assert.NotNull(Resource(v1, "events"));
    }

    [Fact]
    public async Task GroupDiscoveryCoversTheBuiltInGroups()
    {
        await using var f = await ServerFixture.StartAsync();
        var (_, apis) = await f.GetAsync("/apis");
        Assert.Equal("APIGroupList", (string?)apis["kind"]);
        var names = apis["groups"]!.AsArray().Select(g => (string?)g!["name"]).ToList();
        Assert.Equal(["apiextensions.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "networking.k8s.io"], names);

        var (_, group) = await f.GetAsync("/apis/discovery.k8s.io");
        Assert.Equal("APIGroup", (string?)group["kind"]);
        Assert.Equal("discovery.k8s.io/v1", (string?)group["preferredVersion"]!["groupVersion"]);

        foreach (var (gv, resource) in new[] { ("discovery.k8s.io/v1", "endpointslices"), ("networking.k8s.io/v1", "networkpolicies"), ("coordination.k8s.io/v1", "leases"), ("apiextensions.k8s.io/v1", "customresourcedefinitions") })
        {
            var (code, list) = await f.GetAsync("/apis/" + gv);
            Assert.Equal(HttpStatusCode.OK, code);
            Assert.NotNull(Resource(list, resource));
        }

        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync("/apis/kubevirt.io/v1")).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync("/apis/kubevirt.io")).Code);
    }

    [Fact]
    public async Task VersionAndHealthEndpointsAnswer()
    {
        await using var f = await ServerFixture.StartAsync();
        var (code, version) = await f.GetAsync("/version");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal("1", (string?)version["major"]);
        Assert.StartsWith("v1.", (string?)version["gitVersion"], StringComparison.Ordinal);
        Assert.Equal("ok", await f.Http.GetStringAsync("/healthz"));
        Assert.Equal("ok", await f.Http.GetStringAsync("/readyz"));
    }

    [Fact]
    public async Task CreatingACrdServesItsResourceAndDiscovery()
    {
        await using var f = await ServerFixture.StartAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync("/apis/kubevirt.io/v1/namespaces/default/virtualmachines")).Code);

        var crd = await f.CreateCrdAsync("kubevirt.io", "virtualmachines", "VirtualMachine", namespaced: true, status: true, "v1", "v1alpha3");
        var conditions = crd["status"]!["conditions"]!.AsArray();
        Assert.Contains(conditions, c => (string?)c!["type"] == "Established" && (string?)c["status"] == "True");

        var (_, group) = await f.GetAsync("/apis/kubevirt.io");
        Assert.Equal("v1", (string?)group["preferredVersion"]!["version"]);
        var (code, list) = await f.GetAsync("/apis/kubevirt.io/v1");
        Assert.Equal(HttpStatusCode.OK, code);
        var vms = Resource(list, "virtualmachines")!;
        Assert.Equal("VirtualMachine", (string?)vms["kind"]);
        Assert.True((bool)vms["namespaced"]!);
        Assert.Equal(["vir"], vms["shortNames"]!.AsArray().Select(s => (string?)s));
        Assert.NotNull(Resource(list, "virtualmachines/status"));

        var vm = await f.CreateAsync("/apis/kubevirt.io/v1/namespaces/default/virtualmachines", ServerFixture.Custom("kubevirt.io/v1", "VirtualMachine", "vm1"));
        Assert.Equal("kubevirt.io/v1", (string?)vm["apiVersion"]);
        var (_, viaOtherVersion) = await f.GetAsync("/apis/kubevirt.io/v1alpha3/namespaces/default/virtualmachines/vm1");
        Assert.Equal("kubevirt.io/v1alpha3", (string?)viaOtherVersion["apiVersion"]);
        Assert.Equal(ServerFixture.Uid(vm), ServerFixture.Uid(viaOtherVersion));
        var (_, vmList) = await f.GetAsync("/apis/kubevirt.io/v1/virtualmachines");
        Assert.Equal("VirtualMachineList", (string?)vmList["kind"]);
        Assert.Single(vmList["items"]!.AsArray());
    }

    [Fact]
    public async Task ClusterScopedCrdIsServedWithoutNamespace()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.CreateCrdAsync("kubeovn.io", "subnets", "Subnet", namespaced: false);
        var subnet = await f.CreateAsync("/apis/kubeovn.io/v1/subnets", ServerFixture.Custom("kubeovn.io/v1", "Subnet", "net1", new JsonObject { ["cidrBlock"] = "10.1.0.0/16" }));
        Assert.Null(subnet["metadata"]!["namespace"]);
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync("/apis/kubeovn.io/v1/namespaces/default/subnets")).Code);
        var (code, status) = await f.GetAsync("/apis/kubeovn.io/v1/subnets/missing");
        Assert.Equal(HttpStatusCode.NotFound, code);
        Assert.Equal("subnets.kubeovn.io \"missing\" not found", (string?)status["message"]);
        Assert.Equal("kubeovn.io", (string?)status["details"]!["group"]);
    }

    [Fact]
    public async Task DeletingTheCrdStopsServingAndRemovesItsObjects()
    {
        await using var f = await ServerFixture.StartAsync();
        await f.CreateCrdAsync("example.com", "widgets", "Widget");
        await f.CreateAsync("/apis/example.com/v1/namespaces/default/widgets", ServerFixture.Custom("example.com/v1", "Widget", "w"));
        var (code, _) = await f.DeleteAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync("/apis/example.com/v1/namespaces/default/widgets")).Code);
        Assert.Equal(HttpStatusCode.NotFound, (await f.GetAsync("/apis/example.com/v1")).Code);

        await f.CreateCrdAsync("example.com", "widgets", "Widget");
        var (_, list) = await f.GetAsync("/apis/example.com/v1/namespaces/default/widgets");
        Assert.Empty(list["items"]!.AsArray());
    }

    [Fact]
    public async Task InvalidCrdIs422()
    {
        await using var f = await ServerFixture.StartAsync();
        var crd = ServerFixture.Crd("example.com", "widgets", "Widget");
        crd["metadata"]!["name"] = "wrong.example.com";
        var (code, status) = await f.PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
        Assert.Equal((HttpStatusCode)422, code);
        Assert.Equal("metadata.name", (string?)status["details"]!["causes"]![0]!["field"]);
    }

    [Fact]
    public async Task RegisteringAResourceInCodeServesIt()
    {
        await using var f = await ServerFixture.StartAsync();
        f.Server.Resources.Register(new ResourceType { Group = "k8s.cni.cncf.io", Versions = ["v1"], Plural = "network-attachment-definitions", Kind = "NetworkAttachmentDefinition", ShortNames = ["net-attach-def"] });
        var nad = await f.CreateAsync("/apis/k8s.cni.cncf.io/v1/namespaces/default/network-attachment-definitions", ServerFixture.Custom("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition", "attach"));
        Assert.Equal("NetworkAttachmentDefinition", (string?)nad["kind"]);
        var (_, list) = await f.GetAsync("/apis/k8s.cni.cncf.io/v1");
        Assert.NotNull(Resource(list, "network-attachment-definitions"));
    }
}
