using VmNet.Ovn;
using VmNet.Ovsdb;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;

namespace VmNet.Controller.Tests.Topology;

public sealed class SubnetTopologyOpsTests
{
    private static readonly Ownership Owner = new("Subnet", "blue");
    private static readonly SubnetTopologySpec Spec = new("blue", "ovn-cluster", ["10.20.0.1/24"], "0a:11:22:33:44:55")
    {
        SwitchExternalIds = new Dictionary<string, string> { ["vpc"] = "ovn-cluster" },
    };

    [Fact]
    public void FromNothingOneTransactionCreatesSwitchPortsAndAttachments()
    {
        var router = new LogicalRouter { Uuid = Guid.NewGuid(), Name = "ovn-cluster" };
        var ops = SubnetTopologyOps.Ensure(SubnetTopologyState.Empty, Spec, router, Owner);

        var inserts = ops.OfType<InsertOperation>().ToArray();
        Assert.Equal(["Logical_Switch", "Logical_Router_Port", "Logical_Switch_Port"], inserts.Select(i => i.Table));
        Assert.Equal(2, ops.OfType<MutateOperation>().Count());
        Assert.Equal(5, ops.Count);
        var lrp = inserts[1].Row;
        Assert.Equal("ovn-cluster-blue", lrp["name"]);
        Assert.Equal("0a:11:22:33:44:55", lrp["mac"]);
        var lsp = inserts[2].Row;
        Assert.Equal("blue-ovn-cluster", lsp["name"]);
        Assert.Equal("router", lsp["type"]);
        Assert.All(inserts, i => Assert.Equal(Owner, Ownership.FromExternalIds(((VmNet.Ovsdb.Values.OvsdbMap)i.Row["external_ids"]!).ToDictionary(p => (string)p.Key, p => (string)p.Value))));
    }

    [Fact]
    public void MatchingStateNeedsNoOperations()
    {
        var (state, router) = Settled();
        Assert.Empty(SubnetTopologyOps.Ensure(state, Spec, router, Owner));
    }

    [Fact]
    public void GatewayChangeUpdatesTheRouterPortInPlace()
    {
        var (state, router) = Settled();
        var spec = new SubnetTopologySpec("blue", "ovn-cluster", ["10.30.0.1/16"], Spec.RouterPortMac) { SwitchExternalIds = Spec.SwitchExternalIds };
        var op = Assert.IsType<UpdateOperation>(Assert.Single(SubnetTopologyOps.Ensure(state, spec, router, Owner)));
        Assert.Equal("Logical_Router_Port", op.Table);
        Assert.Equal(state.RouterPorts[0].Uuid, Assert.Single(op.Where).Value);
    }

    [Fact]
    public void MovingToAnotherVpcReattachesTheRouterPortInTheSameTransaction()
    {
        var (state, oldRouter) = Settled();
        var tenant = new LogicalRouter { Uuid = Guid.NewGuid(), Name = "tenant" };
        var spec = new SubnetTopologySpec("blue", "tenant", ["10.20.0.1/24"], Spec.RouterPortMac) { SwitchExternalIds = Spec.SwitchExternalIds };
        var ops = SubnetTopologyOps.Ensure(state, spec, tenant, Owner);

        var mutations = ops.OfType<MutateOperation>().ToArray();
        Assert.Contains(mutations, m => m.Table == "Logical_Router" && Equals(m.Where[0].Value, tenant.Uuid) && m.Mutations[0].Mutator == "insert");
        Assert.Contains(mutations, m => m.Table == "Logical_Router" && Equals(m.Where[0].Value, oldRouter.Uuid) && m.Mutations[0].Mutator == "delete");
        Assert.Contains(ops, o => o is UpdateOperation { Table: "Logical_Router_Port" });
    }

    [Fact]
    public void DeleteRemovesSwitchAndDetachesRouterPort()
    {
        var (state, router) = Settled();
        var ops = SubnetTopologyOps.Delete(state);
        Assert.Equal(2, ops.Count);
        Assert.Contains(ops, o => o is DeleteOperation { Table: "Logical_Switch" });
        var detach = Assert.IsType<MutateOperation>(Assert.Single(ops, o => o is MutateOperation));
        Assert.Equal(router.Uuid, detach.Where[0].Value);
        Assert.Empty(SubnetTopologyOps.Delete(SubnetTopologyState.Empty));
    }

    [Fact]
    public void RouterEnsureIsIdempotentAndDropsDuplicates()
    {
        var owner = new Ownership("Vpc", "tenant");
        var ids = new Dictionary<string, string> { ["vpc"] = "tenant" };
        Assert.Single(RouterOps.Ensure([], "tenant", ids, owner));
        var existing = new LogicalRouter { Uuid = Guid.NewGuid(), Name = "tenant", ExternalIds = owner.ToExternalIds(ids) };
        Assert.Empty(RouterOps.Ensure([existing], "tenant", ids, owner));
        var duplicate = existing with { Uuid = Guid.NewGuid() };
        var op = Assert.IsType<DeleteOperation>(Assert.Single(RouterOps.Ensure([existing, duplicate], "tenant", ids, owner)));
        Assert.Equal(duplicate.Uuid, op.Where[0].Value);
    }

    private static (SubnetTopologyState State, LogicalRouter Router) Settled()
    {
        var lrp = new LogicalRouterPort { Uuid = Guid.NewGuid(), Name = Spec.RouterPortName, Mac = Spec.RouterPortMac, Networks = Spec.GatewayNetworks, ExternalIds = Owner.ToExternalIds() };
        var lsp = new LogicalSwitchPort
        {
            Uuid = Guid.NewGuid(),
            Name = Spec.SwitchPortName,
            Type = "router",
            Addresses = ["router"],
            Options = new Dictionary<string, string> { ["router-port"] = Spec.RouterPortName },
            ExternalIds = Owner.ToExternalIds(),
        };
        var ls = new LogicalSwitch { Uuid = Guid.NewGuid(), Name = "blue", Ports = [lsp.Uuid], ExternalIds = Owner.ToExternalIds(Spec.SwitchExternalIds) };
        var router = new LogicalRouter { Uuid = Guid.NewGuid(), Name = "ovn-cluster", Ports = [lrp.Uuid] };
        return (new SubnetTopologyState([ls], [lrp], [lsp], [router], [ls]), router);
    }
}
