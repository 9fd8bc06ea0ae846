using System.Text.Json;
using System.Text.Json.Nodes;
using VmNet.Kube.Models;
using VmNet.Kube.Serialization;

namespace VmNet.Kube.Tests;

public class ModelSerializationTests
{
    private static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    private static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, KubeJson.Options)!;

    private static JsonNode Write<T>(T value) => JsonSerializer.SerializeToNode(value, KubeJson.Options)!;

    /// <summary>The API server treats a null field as absent, so nulls are dropped from both sides before comparing.</summary>
    private static JsonNode? WithoutNulls(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    if (value is not null)
                    {
                        copy[key] = WithoutNulls(value);
                    }
                }

                return copy;
            case JsonArray array:
                return new JsonArray([.. array.Select(WithoutNulls)]);
            default:
                return node?.DeepClone();
        }
    }

    private static void AssertJsonEqual(JsonNode expected, JsonNode actual)
    {
        var e = WithoutNulls(expected);
        var a = WithoutNulls(actual);
        Assert.True(JsonNode.DeepEquals(e, a), $"JSON differs.\nexpected: {e!.ToJsonString()}\nactual:   {a!.ToJsonString()}");
    }

    [Fact]
    public void FullVirtualMachineRoundTripsWithoutLosingUnmodelledFields()
    {
        var json = Fixture("virtualmachine-full.json");

        var vm = Read<V1VirtualMachine>(json);

        AssertJsonEqual(JsonNode.Parse(json)!, Write(vm));
    }

    [Fact]
    public void PatchedVirtualMachineKeepsEverythingElse()
    {
        var json = Fixture("virtualmachine-full.json");
        var vm = Read<V1VirtualMachine>(json);

        vm.Spec!.Template!.Metadata!.Annotations!["ovn.kubernetes.io/ip_address"] = "10.16.0.51";
        vm.Spec.Template.Spec!.Domain!.Devices!.Interfaces![0].MacAddress = "02:5e:4a:10:00:33";
        vm.Spec.Template.Spec.Networks![2].Multus!.NetworkName = "tenant-a/attachnet-b";

        var expected = JsonNode.Parse(json)!;
        var template = expected["spec"]!["template"]!;
        template["metadata"]!["annotations"]!["ovn.kubernetes.io/ip_address"] = "10.16.0.51";
        template["spec"]!["domain"]!["devices"]!["interfaces"]![0]!["macAddress"] = "02:5e:4a:10:00:33";
        template["spec"]!["networks"]![2]!["multus"]!["networkName"] = "tenant-a/attachnet-b";
        AssertJsonEqual(expected, Write(vm));
    }

    [Fact]
    public void VirtualMachineFieldsAreTyped()
    {
        var vm = Read<V1VirtualMachine>(Fixture("virtualmachine-full.json"));
        var spec = vm.Spec!.Template!.Spec!;
        var interfaces = spec.Domain!.Devices!.Interfaces!;

        Assert.Equal("Always", vm.Spec.RunStrategy);
        Assert.Null(vm.Spec.Running);
        Assert.NotNull(interfaces[0].Bridge);
        Assert.NotNull(interfaces[1].Masquerade);
        Assert.NotNull(interfaces[2].Sriov);
        Assert.Equal("vhostuser", interfaces[3].Binding!.Name);
        Assert.Equal("tenant-a/attachnet", spec.Networks![2].Multus!.NetworkName);
        Assert.False(spec.Networks[3].Multus!.Default);
        Assert.NotNull(spec.Networks[0].Pod);
        Assert.Equal("8Gi", spec.Domain.Resources!.Requests!["memory"]);
        Assert.Equal(new DateTimeOffset(2026, 11, 20, 9, 14, 3, TimeSpan.Zero), vm.Metadata!.CreationTimestamp);
        Assert.Equal("Running", vm.Status!.PrintableStatus);
    }

    [Fact]
    public void VirtualMachineInstanceStatusCarriesInterfacesAndMigrationState()
    {
        const string json = """
            {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"db-0","namespace":"tenant-a"},
             "status":{"phase":"Running","nodeName":"node-b","migrationMethod":"LiveMigration",
               "interfaces":[{"name":"default","ipAddress":"10.16.0.50","ipAddresses":["10.16.0.50","fd00:10:16::32"],"mac":"02:5e:4a:10:00:32","interfaceName":"eth0","infoSource":"domain, guest-agent","queueCount":1}],
               "migrationState":{"migrationUid":"m-1","sourceNode":"node-a","targetNode":"node-b","sourcePod":"virt-launcher-db-0-abcde","targetPod":"virt-launcher-db-0-fghij",
                 "completed":true,"failed":false,"abortStatus":"","mode":"PreCopy","startTimestamp":"2026-11-21T10:00:00Z","endTimestamp":"2026-11-21T10:00:07Z",
                 "targetNodeDomainDetected":true}}}
            """;

        var vmi = Read<V1VirtualMachineInstance>(json);

        var nic = Assert.Single(vmi.Status!.Interfaces!);
        Assert.Equal(["10.16.0.50", "fd00:10:16::32"], nic.IpAddresses!);
        Assert.Equal("eth0", nic.InterfaceName);
        var migration = vmi.Status.MigrationState!;
        Assert.Equal(("node-a", "node-b", "virt-launcher-db-0-fghij"), (migration.SourceNode, migration.TargetNode, migration.TargetPod));
        Assert.True(migration.Completed);
        Assert.Equal(TimeSpan.FromSeconds(7), migration.EndTimestamp - migration.StartTimestamp);
        AssertJsonEqual(JsonNode.Parse(json)!, Write(vmi));
    }

    [Fact]
    public void MigrationCarriesVmiNameAndPhase()
    {
        const string json = """{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstanceMigration","metadata":{"name":"mig","namespace":"t"},"spec":{"vmiName":"db-0"},"status":{"phase":"Running","migrationState":{"sourceNode":"a","targetNode":"b"}}}""";

        var migration = Read<V1VirtualMachineInstanceMigration>(json);

        Assert.Equal("db-0", migration.Spec!.VmiName);
        Assert.Equal("b", migration.Status!.MigrationState!.TargetNode);
        AssertJsonEqual(JsonNode.Parse(json)!, Write(migration));
    }

    [Fact]
    public void SubnetCountsBeyondLongRoundTrip()
    {
        // A /64 has 2^64 - 2 usable addresses: more than a long holds.
        const string json = """{"apiVersion":"kubeovn.io/v1","kind":"Subnet","metadata":{"name":"dual"},"spec":{"cidrBlock":"10.16.0.0/16,fd00:10:16::/64","protocol":"Dual","excludeIps":["10.16.0.1","10.16.0.100..10.16.0.110"],"natOutgoing":true,"enableLb":false,"acls":[{"direction":"to-lport","priority":1010,"match":"ip4.src==10.10.0.2","action":"drop"}],"u2oFeatures":{"overlayOnlyRouting":true}},"status":{"v4availableIPs":65520,"v6availableIPs":18446744073709551614,"conditions":[{"type":"Ready","status":"True","reason":"SetPrivateLogicalSwitchSuccess","lastUpdateTime":"2026-11-21T00:00:00Z"}]}}""";

        var subnet = Read<V1Subnet>(json);

        Assert.Equal(18446744073709551614m, subnet.Status!.V6availableIPs);
        Assert.False(subnet.Spec!.EnableLb);
        Assert.Equal(1010, subnet.Spec.Acls![0].Priority);
        AssertJsonEqual(JsonNode.Parse(json)!, Write(subnet));
    }

    [Fact]
    public void IntOrStringPortsKeepTheirJsonKind()
    {
        const string json = """{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"d"},"spec":{"clusterIP":"10.96.0.10","ports":[{"port":80,"targetPort":8080,"protocol":"TCP"},{"port":443,"targetPort":"https"}]}}""";

        var service = Read<V1Service>(json);

        Assert.Equal(8080, ((JsonElement)service.Spec!.Ports![0].TargetPort!).GetInt32());
        Assert.Equal("https", ((JsonElement)service.Spec.Ports[1].TargetPort!).GetString());
        AssertJsonEqual(JsonNode.Parse(json)!, Write(service));
    }

    [Fact]
    public void CustomResourceDefinitionTakesAFreeFormSchema()
    {
        var schema = JsonNode.Parse("""{"type":"object","properties":{"spec":{"type":"object","x-kubernetes-preserve-unknown-fields":true}}}""")!;
        var crd = new V1CustomResourceDefinition
        {
            Metadata = new V1ObjectMeta { Name = "subnets.kubeovn.io" },
            Spec = new V1CustomResourceDefinitionSpec
            {
                Group = "kubeovn.io",
                Scope = "Cluster",
                Names = new V1CustomResourceDefinitionNames { Plural = "subnets", Kind = "Subnet", ShortNames = ["subnet"] },
                Versions =
                [
                    new V1CustomResourceDefinitionVersion
                    {
                        Name = "v1",
                        Served = true,
                        Storage = true,
                        Schema = new V1CustomResourceValidation { OpenAPIV3Schema = schema },
                        Subresources = new V1CustomResourceSubresources { Status = new JsonObject() },
                    },
                ],
            },
        };

        var json = Write(crd);

        Assert.True(JsonNode.DeepEquals(schema, json["spec"]!["versions"]![0]!["schema"]!["openAPIV3Schema"]));
        Assert.Equal("{}", json["spec"]!["versions"]![0]!["subresources"]!["status"]!.ToJsonString());
        var back = Read<V1CustomResourceDefinition>(json.ToJsonString());
        Assert.Equal("object", ((JsonElement)back.Spec.Versions[0].Schema!.OpenAPIV3Schema!).GetProperty("type").GetString());
    }

    [Fact]
    public void LeaseMicroTimeKeepsMicroseconds()
    {
        const string json = """{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"vmnet-controller","namespace":"kube-system"},"spec":{"holderIdentity":"ctrl-1","leaseDurationSeconds":15,"acquireTime":"2026-11-21T10:00:00.000000Z","renewTime":"2026-11-21T10:00:05.123456Z","leaseTransitions":2}}""";

        var lease = Read<V1Lease>(json);
        var written = Write(lease);

        Assert.Equal("2026-11-21T10:00:05.123456Z", (string?)written["spec"]!["renewTime"]);
        Assert.Equal("2026-11-21T10:00:00Z", (string?)written["spec"]!["acquireTime"]);
    }

    [Fact]
    public void TimesWithOffsetsAreWrittenInUtc()
    {
        var meta = Read<V1ObjectMeta>("""{"creationTimestamp":"2026-11-21T12:00:00+02:00"}""");

        Assert.Equal("2026-11-21T10:00:00Z", (string?)Write(meta)["creationTimestamp"]);
    }

    [Fact]
    public void NetworkAttachmentDefinitionConfigStaysAString()
    {
        const string json = """{"apiVersion":"k8s.cni.cncf.io/v1","kind":"NetworkAttachmentDefinition","metadata":{"name":"attachnet","namespace":"tenant-a"},"spec":{"config":"{\"cniVersion\":\"0.3.1\",\"type\":\"kube-ovn\",\"server_socket\":\"/run/openvswitch/kube-ovn-daemon.sock\",\"provider\":\"attachnet.tenant-a.ovn\"}"}}""";

        var nad = Read<V1NetworkAttachmentDefinition>(json);

        Assert.Equal("kube-ovn", JsonNode.Parse(nad.Spec!.Config!)!["type"]!.GetValue<string>());
        AssertJsonEqual(JsonNode.Parse(json)!, Write(nad));
    }

    [Fact]
    public void PodNodeAndEventFieldsAreTyped()
    {
        var pod = Read<V1Pod>("""{"metadata":{"name":"p","namespace":"d","ownerReferences":[{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","name":"db-0","uid":"u","controller":true,"blockOwnerDeletion":true}],"deletionTimestamp":"2026-11-21T00:00:00Z"},"spec":{"hostNetwork":false,"restartPolicy":"Never","containers":[{"name":"compute","image":"virt-launcher","resources":{"limits":{"devices.kubevirt.io/kvm":"1"}}}]},"status":{"phase":"Running","podIPs":[{"ip":"10.16.0.50"},{"ip":"fd00::32"}],"hostIP":"172.18.0.2","conditions":[{"type":"Ready","status":"True"}]}}""");
        var node = Read<V1Node>("""{"metadata":{"name":"n1","annotations":{"ovn.kubernetes.io/chassis":"abc"}},"spec":{"podCIDR":"10.244.1.0/24","podCIDRs":["10.244.1.0/24","fd00:244:1::/64"]},"status":{"addresses":[{"type":"InternalIP","address":"172.18.0.2"},{"type":"Hostname","address":"n1"}]}}""");

        Assert.True(pod.Metadata!.OwnerReferences![0].Controller);
        Assert.NotNull(pod.Metadata.DeletionTimestamp);
        Assert.Equal(["10.16.0.50", "fd00::32"], pod.Status!.PodIPs!.Select(ip => ip.Ip));
        Assert.Equal("1", pod.Spec!.Containers![0].Resources!.Limits!["devices.kubevirt.io/kvm"]);
        Assert.Equal("172.18.0.2", node.Status!.Addresses!.Single(a => a.Type == "InternalIP").Address);
        Assert.Equal(2, node.Spec!.PodCIDRs!.Count);
        Assert.Equal("abc", node.Metadata!.Annotations!["ovn.kubernetes.io/chassis"]);
    }

    [Fact]
    public void ListWithNullItemsAndMetadataIsEmpty()
    {
        var list = Read<KubeList<V1Pod>>("""{"kind":"PodList","metadata":null,"items":null}""");

        Assert.Empty(list.Items);
        Assert.Null(list.Metadata.Continue);
    }
}
