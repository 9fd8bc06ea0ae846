using System.Text.Json;
using System.Text.Json.Nodes;
using VmNet.Kube.Models;
using VmNet.Kube.Tests.Support;

namespace VmNet.Kube.Tests;

public class ClientVerbTests
{
    [Fact]
    public async Task GetReturnsTypedObject()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, Respond.Pod("default", "web-0", "42")));
        using var client = TestClients.For(server);

        var pod = await client.GetAsync<V1Pod>("default", "web-0");

        Assert.Equal("web-0", pod.Metadata!.Name);
        Assert.Equal("42", pod.Metadata.ResourceVersion);
        Assert.Equal("node1", pod.Spec!.NodeName);
        Assert.Equal("10.16.0.5", pod.Status!.PodIP);
        var request = Assert.Single(server.Requests);
        Assert.Equal("GET", request.Method);
        Assert.Equal("/api/v1/namespaces/default/pods/web-0", request.PathAndQuery);
    }

    [Fact]
    public async Task ListSendsSelectorsLimitAndContinue()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx,
            $$$"""{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"77","continue":"tok2"},"items":[{{{Respond.Pod("a", "p1")}}},{{{Respond.Pod("b", "p2")}}}]}"""));
        using var client = TestClients.For(server);

        var list = await client.ListAsync<V1Pod>(null, new ListOptions
        {
            LabelSelector = "app=web,tier in (a,b)",
            FieldSelector = "spec.nodeName=node1",
            Limit = 2,
            Continue = "tok1",
        });

        Assert.Equal(["p1", "p2"], list.Items.Select(p => p.Metadata!.Name));
        Assert.Equal("77", list.Metadata.ResourceVersion);
        Assert.Equal("tok2", list.Metadata.Continue);
        Assert.Equal("/api/v1/pods?labelSelector=app%3Dweb%2Ctier%20in%20%28a%2Cb%29&fieldSelector=spec.nodeName%3Dnode1&limit=2&continue=tok1", server.Requests[0].PathAndQuery);
    }

    [Fact]
    public async Task ListAllFollowsContinueTokensAcrossPages()
    {
        // Five subnets served two per page: the client must follow continue tokens until none is returned.
        var names = Enumerable.Range(1, 5).Select(i => $"subnet-{i}").ToArray();
        await using var server = await StubApiServer.StartAsync(ctx =>
        {
            var start = ctx.Request.Query["continue"] is { Count: > 0 } token ? int.Parse(token.ToString(), System.Globalization.CultureInfo.InvariantCulture) : 0;
            var limit = int.Parse(ctx.Request.Query["limit"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
            var page = names.Skip(start).Take(limit).Select(n => $$$"""{"metadata":{"name":"{{{n}}}"},"spec":{"cidrBlock":"10.0.0.0/24"}}""");
            var next = start + limit < names.Length ? $"\"{start + limit}\"" : "null";
            return Respond.Json(ctx, $$$"""{"metadata":{"resourceVersion":"9","continue":{{{next}}}},"items":[{{{string.Join(',', page)}}}]}""");
        });
        using var client = TestClients.For(server);

        var all = new List<string>();
        await foreach (var subnet in client.ListAllAsync<V1Subnet>(null, new ListOptions { Limit = 2, ResourceVersion = "0" }))
        {
            all.Add(subnet.Metadata!.Name!);
        }

        Assert.Equal(names, all);
        Assert.Equal(
            ["/apis/kubeovn.io/v1/subnets?limit=2&resourceVersion=0", "/apis/kubeovn.io/v1/subnets?limit=2&continue=2", "/apis/kubeovn.io/v1/subnets?limit=2&continue=4"],
            server.Requests.Select(r => r.PathAndQuery));
    }

    [Fact]
    public async Task CreatePostsObjectWithTypeMetaFilledIn()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, """{"apiVersion":"kubeovn.io/v1","kind":"IP","metadata":{"name":"vm1.ns1","uid":"u1","resourceVersion":"5"},"spec":{"ipAddress":"10.16.0.9"}}""", 201));
        using var client = TestClients.For(server);

        var created = await client.CreateAsync(new V1IP
        {
            Metadata = new V1ObjectMeta { Name = "vm1.ns1", Labels = new() { ["ovn.kubernetes.io/subnet"] = "ovn-default" } },
            Spec = new V1IPSpec { IpAddress = "10.16.0.9", PodType = "VirtualMachine" },
        });

        Assert.Equal("u1", created.Metadata!.Uid);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/apis/kubeovn.io/v1/ips", request.PathAndQuery);
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        var sent = JsonNode.Parse(request.Body)!;
        Assert.Equal("kubeovn.io/v1", (string?)sent["apiVersion"]);
        Assert.Equal("IP", (string?)sent["kind"]);
        Assert.Equal("VirtualMachine", (string?)sent["spec"]!["podType"]);
        Assert.Null(sent["spec"]!["macAddress"]); // unset fields are omitted, not sent as null
        Assert.False(sent["spec"]!.AsObject().ContainsKey("macAddress"));
    }

    [Fact]
    public async Task CreateOfNamespacedObjectUsesItsNamespace()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, Respond.Pod("ns1", "p"), 201));
        using var client = TestClients.For(server);

        await client.CreateAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = "p", Namespace = "ns1" } });

        Assert.Equal("/api/v1/namespaces/ns1/pods", server.Requests[0].PathAndQuery);
        var e = await Assert.ThrowsAsync<ArgumentException>(() => client.CreateAsync(new V1Pod { Metadata = new V1ObjectMeta { Name = "orphan" } }));
        Assert.Contains("'orphan'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplaceSendsResourceVersionForOptimisticConcurrency()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, Respond.Pod("default", "web-0", "43")));
        using var client = TestClients.For(server);
        var pod = JsonSerializer.Deserialize<V1Pod>(Respond.Pod("default", "web-0", "42"), Serialization.KubeJson.Options)!;
        pod.Metadata!.Annotations = new() { ["ovn.kubernetes.io/allocated"] = "true" };

        var replaced = await client.ReplaceAsync(pod);

        Assert.Equal("43", replaced.Metadata!.ResourceVersion);
        var request = Assert.Single(server.Requests);
        Assert.Equal("PUT", request.Method);
        Assert.Equal("/api/v1/namespaces/default/pods/web-0", request.PathAndQuery);
        var sent = JsonNode.Parse(request.Body)!;
        Assert.Equal("42", (string?)sent["metadata"]!["resourceVersion"]);
        Assert.Equal("true", (string?)sent["metadata"]!["annotations"]!["ovn.kubernetes.io/allocated"]);
    }

    [Fact]
    public async Task ReplaceStatusTargetsStatusSubresource()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, """{"metadata":{"name":"ovn-default"},"status":{"v4availableIPs":65533}}"""));
        using var client = TestClients.For(server);

        var result = await client.ReplaceStatusAsync(new V1Subnet
        {
            Metadata = new V1ObjectMeta { Name = "ovn-default", ResourceVersion = "3" },
            Status = new V1SubnetStatus { V4availableIPs = 65533, V4usingIPs = 0 },
        });

        Assert.Equal(65533m, result.Status!.V4availableIPs);
        Assert.Equal("PUT", server.Requests[0].Method);
        Assert.Equal("/apis/kubeovn.io/v1/subnets/ovn-default/status", server.Requests[0].PathAndQuery);
    }

    [Fact]
    public async Task MergePatchSendsMergePatchContentType()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, Respond.Pod("default", "web-0")));
        using var client = TestClients.For(server);

        await client.PatchAsync<V1Pod>("default", "web-0", KubePatch.Merge(new JsonObject
        {
            ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { ["ovn.kubernetes.io/routed"] = "true", ["stale"] = null } },
        }));

        var request = Assert.Single(server.Requests);
        Assert.Equal("PATCH", request.Method);
        Assert.Equal("application/merge-patch+json", request.ContentType);
        // The explicit null (removal of a key) must survive serialisation.
        Assert.Equal("""{"metadata":{"annotations":{"ovn.kubernetes.io/routed":"true","stale":null}}}""", request.Body);
    }

    [Fact]
    public async Task JsonPatchSendsOperationsWithEscapedPointers()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, """{"metadata":{"name":"vm1","namespace":"ns"}}"""));
        using var client = TestClients.For(server);

        await client.PatchAsync<V1VirtualMachine>("ns", "vm1", KubePatch.Json(
            JsonPatchOperation.Test("/metadata/resourceVersion", "7"),
            JsonPatchOperation.Replace("/spec/template/spec/networks/1/multus/networkName", "nad-b"),
            JsonPatchOperation.Add(JsonPointer.Build("metadata", "annotations", "ovn.kubernetes.io/ip_address"), "10.0.0.1"),
            JsonPatchOperation.Remove("/spec/running")));

        var request = Assert.Single(server.Requests);
        Assert.Equal("application/json-patch+json", request.ContentType);
        Assert.Equal("/apis/kubevirt.io/v1/namespaces/ns/virtualmachines/vm1", request.PathAndQuery);
        Assert.Equal(
            """[{"op":"test","path":"/metadata/resourceVersion","value":"7"},{"op":"replace","path":"/spec/template/spec/networks/1/multus/networkName","value":"nad-b"},{"op":"add","path":"/metadata/annotations/ovn.kubernetes.io~1ip_address","value":"10.0.0.1"},{"op":"remove","path":"/spec/running"}]""",
            request.Body);
    }

    [Fact]
    public async Task PatchStatusTargetsStatusSubresource()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, """{"metadata":{"name":"mig1","namespace":"ns"},"status":{"phase":"Succeeded"}}"""));
        using var client = TestClients.For(server);

        var migration = await client.PatchStatusAsync<V1VirtualMachineInstanceMigration>("ns", "mig1", KubePatch.Merge("""{"status":{"phase":"Succeeded"}}"""));

        Assert.Equal("Succeeded", migration.Status!.Phase);
        Assert.Equal("/apis/kubevirt.io/v1/namespaces/ns/virtualmachineinstancemigrations/mig1/status", server.Requests[0].PathAndQuery);
    }

    [Fact]
    public async Task DeleteSendsPropagationPolicyAndPreconditions()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, """{"kind":"Status","apiVersion":"v1","status":"Success"}"""));
        using var client = TestClients.For(server);

        await client.DeleteAsync<V1Pod>("default", "web-0", new V1DeleteOptions
        {
            PropagationPolicy = PropagationPolicy.Foreground,
            Preconditions = new V1Preconditions { Uid = "uid-web-0", ResourceVersion = "42" },
        });

        var request = Assert.Single(server.Requests);
        Assert.Equal("DELETE", request.Method);
        Assert.Equal("/api/v1/namespaces/default/pods/web-0", request.PathAndQuery);
        var sent = JsonNode.Parse(request.Body)!;
        Assert.Equal("DeleteOptions", (string?)sent["kind"]);
        Assert.Equal("Foreground", (string?)sent["propagationPolicy"]);
        Assert.Equal("uid-web-0", (string?)sent["preconditions"]!["uid"]);
        Assert.Equal("42", (string?)sent["preconditions"]!["resourceVersion"]);
    }

    [Fact]
    public async Task UnmodelledResourcesWorkThroughKubeObject()
    {
        var vips = new KubeResource("kubeovn.io", "v1", "vips", "Vip", Namespaced: false);
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, """{"apiVersion":"kubeovn.io/v1","kind":"Vip","metadata":{"name":"vip1"},"spec":{"subnet":"ovn-default","v4ip":"10.16.0.100"}}"""));
        using var client = TestClients.For(server);

        var vip = await client.GetAsync<KubeObject>(vips, null, "vip1");

        Assert.Equal("vip1", vip.Metadata!.Name);
        Assert.Equal("10.16.0.100", vip.Fields["spec"].GetProperty("v4ip").GetString());
        Assert.Equal("/apis/kubeovn.io/v1/vips/vip1", server.Requests[0].PathAndQuery);
    }

    [Fact]
    public async Task DiscoveryListsServedResourcesAndIsNullForAnUnservedGroup()
    {
        await using var server = await StubApiServer.StartAsync(ctx => ctx.Request.Path == "/apis/kubevirt.io/v1"
            ? Respond.Json(ctx, """{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"kubevirt.io/v1","resources":[{"name":"virtualmachines","singularName":"virtualmachine","namespaced":true,"kind":"VirtualMachine","verbs":["get","list","watch"],"shortNames":["vm","vms"]},{"name":"virtualmachines/status","singularName":"","namespaced":true,"kind":"VirtualMachine","verbs":["get","patch","update"]}]}""")
            : Respond.Status(ctx, 404, "NotFound", "the server could not find the requested resource"));
        using var client = TestClients.For(server);

        var list = await client.GetApiResourcesAsync("kubevirt.io", "v1");
        var missing = await client.GetApiResourcesAsync("kubeovn.io", "v1");

        Assert.Equal(["virtualmachines", "virtualmachines/status"], list!.Resources.Select(r => r.Name));
        Assert.Null(missing);
        Assert.True(await client.IsServedAsync(KubeResources.VirtualMachines));
        Assert.False(await client.IsServedAsync(KubeResources.VirtualMachineInstanceMigrations));
        Assert.False(await client.IsServedAsync(KubeResources.Subnets));
        Assert.Contains("/apis/kubeovn.io/v1", server.Requests.Select(r => r.PathAndQuery));
    }

    [Fact]
    public async Task ServerUrlPathPrefixesEveryRequest()
    {
        // Clusters behind an authenticating proxy (e.g. https://rancher/k8s/clusters/c-1) have a path in the server URL.
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, """{"metadata":{"name":"n1"}}"""));
        using var client = new KubeClient(new Config.KubeConfig(new Uri(server.Address, "k8s/clusters/c-1")), TestClients.FastRetries);

        await client.GetAsync<V1Node>(null, "n1");

        Assert.Equal("/k8s/clusters/c-1/api/v1/nodes/n1", server.Requests[0].PathAndQuery);
    }
}
