using VmNet.Controller.Hosting;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Topology;

public sealed class SubnetRejectionTests
{
    [Fact]
    public async Task OverlappingSubnetInSameVpcIsRejectedWithClearEventAndOthersUnaffected()
    {
        await using var harness = await TopologyHarness.StartAsync();
        var controller = await harness.StartControllerAsync();

        await harness.CreateSubnetAsync("first", "10.50.0.0/16");
        await harness.WaitSubnetConditionAsync("first", KubeOvnConditions.Ready, "True");
        await harness.CreateSubnetAsync("second", "10.50.3.0/24");
        var second = await harness.WaitSubnetConditionAsync("second", KubeOvnConditions.Validated, "False");

        const string expected = "subnet second cidr 10.50.3.0/24 is conflict with subnet first cidr 10.50.0.0/16";
        var validated = KubeOvnConditions.Find(second.Status!.Conditions, KubeOvnConditions.Validated)!;
        Assert.Equal("ValidateLogicalSwitchFailed", validated.Reason);
        Assert.Equal(expected, validated.Message);
        Assert.Equal("False", KubeOvnConditions.Find(second.Status.Conditions, KubeOvnConditions.Ready)!.Status);
        Assert.Equal("True", KubeOvnConditions.Find(second.Status.Conditions, KubeOvnConditions.Error)!.Status);
        var events = await TopologyHarness.EventuallyAsync(() => harness.EventsForAsync("Subnet", "second"), e => e.Count > 0, "warning event on subnet second");
        var warning = Assert.Single(events, e => e.Reason == "ValidateLogicalSwitchFailed");
        Assert.Equal("Warning", warning.Type);
        Assert.Equal(expected, warning.Message);

        // Nothing made for the rejected one; the first one untouched.
        Assert.Null(await harness.FindAsync("Logical_Switch", "second"));
        Assert.Null(await harness.FindAsync("Logical_Router_Port", "ovn-cluster-second"));
        Assert.Null(controller.Context.Ipam.FindSubnet("second"));
        Assert.False(controller.Context.Subnets.IsReady("second"));
        Assert.True(controller.Context.Subnets.IsReady("first"));
        Assert.NotNull(await harness.FindAsync("Logical_Switch", "first"));
        Assert.Equal("True", KubeOvnConditions.Find((await harness.GetSubnetAsync("first")).Status!.Conditions, KubeOvnConditions.Ready)!.Status);

        // A subnet in another VPC may reuse the range.
        await harness.Client.CreateAsync(new V1Vpc { Metadata = new V1ObjectMeta { Name = "tenant" }, Spec = new V1VpcSpec() });
        await harness.CreateSubnetAsync("tenant-net", "10.50.0.0/24", vpc: "tenant");
        await harness.WaitSubnetConditionAsync("tenant-net", KubeOvnConditions.Ready, "True");
        var tenantLrp = await harness.FindAsync("Logical_Router_Port", "tenant-tenant-net");
        Assert.NotNull(tenantLrp);

        // Deleting the winner frees the range: the rejected subnet is admitted.
        await harness.Client.DeleteAsync<V1Subnet>(null, "first");
        await harness.WaitSubnetConditionAsync("second", KubeOvnConditions.Ready, "True");
        Assert.NotNull(await harness.FindAsync("Logical_Switch", "second"));
    }

    [Theory]
    [InlineData("bad-cidr", "10.60.0.0/33", null, null, "spec.cidrBlock \"10.60.0.0/33\" is not a valid CIDR")]
    [InlineData("bad-cidr-text", "banana", null, null, "spec.cidrBlock \"banana\" is not a valid CIDR")]
    [InlineData("gw-outside", "10.61.0.0/24", "10.99.0.1", null, "spec.gateway \"10.99.0.1\" is not in cidr 10.61.0.0/24")]
    [InlineData("bad-exclude", "10.62.0.0/24", null, "10.62.0.300", "\"10.62.0.300\"")]
    [InlineData("bad-exclude-range", "10.63.0.0/24", null, "10.63.0.20..10.63.0.10", "\"10.63.0.20..10.63.0.10\"")]
    public async Task BadInputGetsConditionAndEventNamingFieldAndValueAndNothingIsCreated(string name, string cidr, string? gateway, string? exclude, string expectedFragment)
    {
        await using var harness = await TopologyHarness.StartAsync();
        var controller = await harness.StartControllerAsync();

        await harness.CreateSubnetAsync(name, cidr, gateway, exclude is null ? null : [exclude]);
        var subnet = await harness.WaitSubnetConditionAsync(name, KubeOvnConditions.Validated, "False");
        var condition = KubeOvnConditions.Find(subnet.Status!.Conditions, KubeOvnConditions.Validated)!;
        Assert.Equal("ValidateLogicalSwitchFailed", condition.Reason);
        Assert.Contains(expectedFragment, condition.Message, StringComparison.Ordinal);
        Assert.Contains($"subnet {name}:", condition.Message, StringComparison.Ordinal);
        if (exclude is not null)
        {
            Assert.Contains("spec.excludeIps", condition.Message, StringComparison.Ordinal);
        }

        var events = await TopologyHarness.EventuallyAsync(() => harness.EventsForAsync("Subnet", name), e => e.Count > 0, $"event on {name}");
        Assert.Contains(events, e => e.Type == "Warning" && e.Message!.Contains(expectedFragment, StringComparison.Ordinal));
        Assert.Null(await harness.FindAsync("Logical_Switch", name));
        Assert.Null(controller.Context.Ipam.FindSubnet(name));
        await harness.WaitDefaultTopologyAsync();
        Assert.Equal(["join", "ovn-default"], (await harness.ListAsync("Logical_Switch")).Select(s => s.Name).Order(StringComparer.Ordinal));

        // The user's spec is left as written (nothing formatted over a rejected spec).
        Assert.Equal(cidr, subnet.Spec!.CidrBlock);
    }
}
