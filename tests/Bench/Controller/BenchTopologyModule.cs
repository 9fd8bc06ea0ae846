using VmNet.Controller.Hosting;
using VmNet.Ipam;
using VmNet.Ovsdb.Northbound;

namespace VmNet.Bench.Controller;

/// <summary>
/// Stands in for the topology module: registers the Subnets present at start in IPAM and gives each a
/// Logical_Switch owned by the Subnet, so the benchmark measures addressing alone.
/// </summary>
internal sealed class BenchTopologyModule : IControllerModule
{
    public int Order => StartupOrder.SubnetsInIpam;

    public void Register(ControllerContext context, ControllerRegistry registry)
    {
    }

    public async Task InitializeAsync(ControllerContext context, CancellationToken cancellationToken)
    {
        foreach (var subnet in context.SubnetInformer.Indexer.List())
        {
            var name = subnet.Metadata!.Name!;
            context.Ipam.AddOrUpdateSubnet(new SubnetSpec(name, subnet.Spec?.CidrBlock ?? string.Empty) { Gateway = subnet.Spec?.Gateway, ExcludeIps = subnet.Spec?.ExcludeIps ?? [] });
            if (context.Northbound.Cache.FindByName(LogicalSwitch.Table, name).Count == 0)
            {
                var (_, ops) = NorthboundOps.CreateLogicalSwitch(new LogicalSwitch { Name = name }, SubnetCatalog.SubnetOwnership(name));
                await context.Northbound.TransactAsync(ops, cancellationToken);
                await context.Northbound.Cache.WaitForRowAsync(LogicalSwitch.Table, r => r.Name == name, cancellationToken);
            }
        }
    }
}
