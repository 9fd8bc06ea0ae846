namespace VmNet.Controller.Hosting;

/// <summary>
/// A feature of the controller (topology, addressing, ...). The host discovers every non-abstract
/// implementation with a public parameterless constructor in the controller assembly and runs them in
/// <see cref="Order"/>. The startup pipeline, once this replica leads:
/// <list type="number">
/// <item>informers for Subnet, Vpc, IP, Namespace, Node, Pod, NAD exist (<see cref="ControllerContext.Informers"/>);</item>
/// <item><see cref="Register"/> of every module: add controllers, informer handlers, KubeVirt hooks;</item>
/// <item>informers start; the host waits for their caches;</item>
/// <item>the default Vpc and Subnets are ensured (created if missing);</item>
/// <item><see cref="InitializeAsync"/> of every module in <see cref="Order"/>: the topology module registers
/// every valid Subnet in IPAM (<see cref="StartupOrder.SubnetsInIpam"/>), then the addressing module rebuilds
/// IPAM from IP CRs and pod annotations (<see cref="StartupOrder.IpamRebuild"/>) BEFORE any allocation;</item>
/// <item>workers of all controllers start; KubeVirt discovery and periodic GC run in the background.</item>
/// </list>
/// </summary>
public interface IControllerModule
{
    /// <summary>Position in the pipeline; see <see cref="StartupOrder"/>.</summary>
    int Order { get; }

    /// <summary>Adds controllers to <paramref name="registry"/> and handlers to informers. No API calls here.</summary>
    void Register(ControllerContext context, ControllerRegistry registry);

    /// <summary>Runs once after the caches are synced and before any worker starts.</summary>
    Task InitializeAsync(ControllerContext context, CancellationToken cancellationToken);
}

/// <summary>Well-known <see cref="IControllerModule.Order"/> values.</summary>
public static class StartupOrder
{
    /// <summary>Topology: Vpcs and Subnets validated and registered in IPAM, startup GC.</summary>
    public const int SubnetsInIpam = 100;

    /// <summary>Addressing: IPAM rebuilt from IP CRs and pod annotations.</summary>
    public const int IpamRebuild = 200;

    /// <summary>Anything that needs a complete IPAM.</summary>
    public const int AfterIpam = 300;
}
