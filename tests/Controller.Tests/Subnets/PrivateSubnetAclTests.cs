using System.Text.Json.Nodes;
using VmNet.Controller.Hosting;
using VmNet.Controller.Tests.Topology;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Subnets;

/// <summary>
/// <c>private</c> / <c>allowSubnets</c> become Kube-OVN's ACLs on the subnet's switch (read back with ovn-nbctl),
/// follow spec changes, and a bad <c>allowSubnets</c> entry is a rejection naming field and value.
/// </summary>
public sealed class PrivateSubnetAclTests
{
    [Fact]
    public async Task PrivateSubnetGetsKubeOvnAclsThatFollowTheSpec()
    {
        await using var harness = await TopologyHarness.StartAsync();
        await harness.StartControllerAsync();
        await harness.Client.CreateAsync(new V1Subnet
        {
            Metadata = new V1ObjectMeta { Name = "priv" },
            Spec = new V1SubnetSpec { CidrBlock = "10.70.0.0/24", Private = true, AllowSubnets = ["10.71.0.0/24", "fd00:71::/64"] },
        });
        await harness.WaitSubnetConditionAsync("priv", KubeOvnConditions.Ready, "True");

        var acls = await TopologyHarness.EventuallyAsync(() => AclsAsync(harness, "priv"), a => a.Count == 4, "four ACLs on priv");
        Assert.Equal(
            [
                "to-lport 1000 (ip) drop",
                "to-lport 1001 ((ip4.src == 10.70.0.0/24 && ip4.dst == 10.71.0.0/24) || (ip4.src == 10.71.0.0/24 && ip4.dst == 10.70.0.0/24)) allow-related",
                "to-lport 1001 (ip4.src == 10.70.0.0/24 && ip4.dst == 10.70.0.0/24) allow-related",
                "to-lport 3000 (ip4.src == 100.64.0.0/16) allow-related",
            ],
            acls);

        // Someone edits our drop rule in OVN directly, then removes another: the subnet is reconciled back each time.
        var drop = (await harness.Central.Central.NbctlAsync(["--bare", "--columns=_uuid", "find", "ACL", "priority=1000"])).Stdout.Trim();
        await harness.Central.Central.NbctlAsync(["set", "ACL", drop, "action=allow-related"]);
        await TopologyHarness.EventuallyAsync(() => AclsAsync(harness, "priv"), a => a.SequenceEqual(acls), "the edited ACL restored");
        await harness.Central.Central.NbctlAsync(["acl-del", "priv", "to-lport", "3000", "ip4.src == 100.64.0.0/16"]);
        await TopologyHarness.EventuallyAsync(() => AclsAsync(harness, "priv"), a => a.SequenceEqual(acls), "the deleted ACL restored");

        // allowSubnets changed: the rules follow; private off: they go; other switches never had any.
        await PatchSpecAsync(harness, new JsonObject { ["allowSubnets"] = new JsonArray("10.72.0.0/24") });
        await TopologyHarness.EventuallyAsync(() => AclsAsync(harness, "priv"), a => a.Any(l => l.Contains("10.72.0.0/24", StringComparison.Ordinal)) && !a.Any(l => l.Contains("10.71.0.0/24", StringComparison.Ordinal)), "allowSubnets 10.72.0.0/24 only");
        await PatchSpecAsync(harness, new JsonObject { ["private"] = false });
        await TopologyHarness.EventuallyAsync(() => AclsAsync(harness, "priv"), a => a.Count == 0, "no ACLs once private is off");
        Assert.Empty(await AclsAsync(harness, "ovn-default"));
    }

    [Fact]
    public async Task BadAllowSubnetsEntryIsARejectionNamingFieldAndValue()
    {
        await using var harness = await TopologyHarness.StartAsync();
        await harness.StartControllerAsync();
        await harness.Client.CreateAsync(new V1Subnet
        {
            Metadata = new V1ObjectMeta { Name = "priv-bad" },
            Spec = new V1SubnetSpec { CidrBlock = "10.73.0.0/24", Private = true, AllowSubnets = ["10.74.0.0/33"] },
        });
        var subnet = await harness.WaitSubnetConditionAsync("priv-bad", KubeOvnConditions.Validated, "False");
        var message = KubeOvnConditions.Find(subnet.Status!.Conditions, KubeOvnConditions.Validated)!.Message;
        Assert.Contains("subnet priv-bad: spec.allowSubnets \"10.74.0.0/33\"", message, StringComparison.Ordinal);
        Assert.Null(await harness.FindAsync("Logical_Switch", "priv-bad"));
    }

    [Fact]
    public async Task SpecAclsAreAddedAsWrittenAndAllowEwTrafficOpensTheSubnetToItself()
    {
        await using var harness = await TopologyHarness.StartAsync();
        await harness.StartControllerAsync();
        await harness.Client.CreateAsync(new V1Subnet
        {
            Metadata = new V1ObjectMeta { Name = "user-acl" },
            Spec = new V1SubnetSpec
            {
                CidrBlock = "10.75.0.0/24",
                AllowEWTraffic = true,
                Acls = [new V1SubnetAcl { Direction = "to-lport", Priority = 2000, Match = "ip4.dst == 10.75.0.9", Action = "drop" }],
            },
        });
        await harness.WaitSubnetConditionAsync("user-acl", KubeOvnConditions.Ready, "True");
        var acls = await TopologyHarness.EventuallyAsync(() => AclsAsync(harness, "user-acl"), a => a.Count == 3, "three ACLs on user-acl");
        Assert.Equal(
            [
                "from-lport 1900 (ip4.src == 10.75.0.0/24 && ip4.dst == 10.75.0.0/24) allow",
                "to-lport 1900 (ip4.src == 10.75.0.0/24 && ip4.dst == 10.75.0.0/24) allow",
                "to-lport 2000 (ip4.dst == 10.75.0.9) drop",
            ],
            acls);

        await harness.Client.CreateAsync(new V1Subnet
        {
            Metadata = new V1ObjectMeta { Name = "bad-acl" },
            Spec = new V1SubnetSpec { CidrBlock = "10.76.0.0/24", Acls = [new V1SubnetAcl { Direction = "sideways", Priority = 10, Match = "ip", Action = "drop" }] },
        });
        var bad = await harness.WaitSubnetConditionAsync("bad-acl", KubeOvnConditions.Validated, "False");
        Assert.Contains("subnet bad-acl: spec.acls[0].direction \"sideways\" must be from-lport or to-lport", KubeOvnConditions.Find(bad.Status!.Conditions, KubeOvnConditions.Validated)!.Message, StringComparison.Ordinal);
    }

    private static Task PatchSpecAsync(TopologyHarness harness, JsonObject spec) =>
        harness.Client.PatchAsync<V1Subnet>(null, "priv", KubePatch.Merge(new JsonObject { ["spec"] = spec }));

    /// <summary><c>ovn-nbctl acl-list</c> lines, whitespace-normalised and sorted.</summary>
    private static async Task<IReadOnlyList<string>> AclsAsync(TopologyHarness harness, string logicalSwitch)
    {
        var result = await harness.Central.Central.NbctlAsync(["acl-list", logicalSwitch]);
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .Order(StringComparer.Ordinal)
            .ToArray();
    }
}
