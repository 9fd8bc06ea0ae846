using VmNet.Controller.Hosting;
using VmNet.Controller.Runtime.Queue;
using VmNet.Ipam;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Northbound;

namespace VmNet.Controller.Tests.Addressing;

/// <summary>
/// Stands in for the topology module in addressing tests: registers every Subnet in IPAM and gives it a
/// Logical_Switch (owned by the Subnet) in the Northbound DB, at start and whenever a Subnet appears.
/// </summary>
public sealed class TestTopologyModule : IControllerModule
{
    public int Order => StartupOrder.SubnetsInIpam;

    public void Register(ControllerContext context, ControllerRegistry registry)
    {
        var controller = registry.Add(new SubnetRegistrar(context), 1);
        controller.Watch(context.SubnetInformer, ResourceController.OwnKey(context.SubnetInformer));
    }

    public async Task InitializeAsync(ControllerContext context, CancellationToken cancellationToken)
    {
        var registrar = new SubnetRegistrar(context);
        foreach (var subnet in context.SubnetInformer.Indexer.List())
        {
            await registrar.ReconcileAsync(subnet.Metadata!.Name!, cancellationToken);
        }
    }

    private sealed class SubnetRegistrar(ControllerContext context) : IReconciler
    {
        public string Name => "test-subnet";

        public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
        {
            if (context.SubnetInformer.Indexer.Get(key) is not { Spec: { } spec })
            {
                return ReconcileResult.Success;
            }

            context.Ipam.AddOrUpdateSubnet(new SubnetSpec(key, spec.CidrBlock ?? string.Empty) { Gateway = spec.Gateway, ExcludeIps = spec.ExcludeIps ?? [] });
            if (context.Northbound.Cache.FindByName(LogicalSwitch.Table, key).Count == 0)
            {
                var (_, ops) = NorthboundOps.CreateLogicalSwitch(new LogicalSwitch { Name = key }, SubnetCatalog.SubnetOwnership(key));
                await context.Northbound.TransactAsync(ops, cancellationToken);
                await context.Northbound.Cache.WaitForRowAsync(LogicalSwitch.Table, r => r.Name == key, cancellationToken);
            }

            return ReconcileResult.Success;
        }
    }
}
