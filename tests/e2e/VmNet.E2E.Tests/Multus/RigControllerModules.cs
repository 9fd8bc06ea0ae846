using System.Text.Json.Nodes;
using VmNet.Controller.Hosting;
using VmNet.Controller.Runtime.Queue;
using VmNet.Ipam;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Northbound;

namespace VmNet.E2E.Multus;

/// <summary>
/// Stands in for the topology module on the rig, whose default topology the test built with ovn-nbctl: every
/// Subnet is registered in IPAM and gets a Logical_Switch (owned by the Subnet) unless one of that name exists.
/// </summary>
public sealed class RigSubnetModule : IControllerModule
{
    public int Order => StartupOrder.SubnetsInIpam;

    public void Register(ControllerContext context, ControllerRegistry registry)
    {
        var controller = registry.Add(new Registrar(context), 1);
        controller.Watch(context.SubnetInformer, ResourceController.OwnKey(context.SubnetInformer));
    }

    public async Task InitializeAsync(ControllerContext context, CancellationToken cancellationToken)
    {
        var registrar = new Registrar(context);
        foreach (var subnet in context.SubnetInformer.Indexer.List())
        {
            await registrar.ReconcileAsync(subnet.Metadata!.Name!, cancellationToken);
        }
    }

    private sealed class Registrar(ControllerContext context) : IReconciler
    {
        public string Name => "rig-subnet";

        public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
        {
            if (context.SubnetInformer.Indexer.Get(key) is not { Spec: { } spec })
            {
                return ReconcileResult.Success;
            }

            context.Ipam.AddOrUpdateSubnet(new SubnetSpec(key, spec.CidrBlock ?? string.Empty) { Gateway = spec.Gateway, ExcludeIps = spec.ExcludeIps ?? [] });
            var ours = false;
            if (context.Northbound.Cache.FindByName(LogicalSwitch.Table, key).Count == 0)
            {
                var (_, ops) = NorthboundOps.CreateLogicalSwitch(new LogicalSwitch { Name = key }, SubnetCatalog.SubnetOwnership(key));
                await context.Northbound.TransactAsync(ops, cancellationToken);
                await context.Northbound.Cache.WaitForRowAsync(LogicalSwitch.Table, r => r.Name == key, cancellationToken);
                ours = true;
            }

            // What the topology module does once a subnet's switch is in place; the rig's own ovn-default switch
            // (made with ovn-nbctl) carries no Subnet ownership, so readiness must not require it.
            context.Subnets.MarkReady(key, hasSwitch: ours);
            return ReconcileResult.Success;
        }
    }
}

