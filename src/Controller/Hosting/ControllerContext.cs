using Microsoft.Extensions.Logging;
using VmNet.Controller.Runtime.Events;
using VmNet.Controller.Runtime.Informers;
using VmNet.Controller.Runtime.Kube;
using VmNet.Ipam;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Northbound;

namespace VmNet.Controller.Hosting;

/// <summary>
/// Everything the resource controllers share, built once per leadership term by <see cref="ControllerHost"/>:
/// the single <see cref="Ipam"/> (the controller owns IPAM), the Northbound client with its monitored
/// cache, the Kubernetes client, shared informers, the event recorder, options and clock.
/// </summary>
public sealed class ControllerContext
{
    /// <summary>Northbound tables the controller monitors into <see cref="OvsdbClient.Cache"/>.</summary>
    public static readonly IReadOnlyList<string> NorthboundTables =
    [
        NbGlobal.Table, LogicalSwitch.Table, LogicalSwitchPort.Table, LogicalRouter.Table, LogicalRouterPort.Table,
        LogicalRouterStaticRoute.Table, LogicalRouterPolicy.Table, PortGroup.Table, AddressSet.Table, Acl.Table,
        DhcpOptions.Table, LoadBalancer.Table, Nat.Table,
    ];

    /// <summary>Southbound tables the controller monitors into <see cref="Southbound"/>'s cache (node chassis clean-up).</summary>
    public static readonly IReadOnlyList<string> SouthboundTables = ["Chassis", "Chassis_Private"];

    public ControllerContext(
        ControllerOptions options,
        IKubeClient kube,
        OvsdbClient northbound,
        SharedInformerFactory informers,
        IEventRecorder events,
        ILoggerFactory loggerFactory,
        TimeProvider? time = null,
        IpamRegistry? ipam = null,
        OvsdbClient? southbound = null)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        Kube = kube ?? throw new ArgumentNullException(nameof(kube));
        Northbound = northbound ?? throw new ArgumentNullException(nameof(northbound));
        Informers = informers ?? throw new ArgumentNullException(nameof(informers));
        Events = events ?? throw new ArgumentNullException(nameof(events));
        LoggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        Time = time ?? TimeProvider.System;
        Ipam = ipam ?? new IpamRegistry();
        Southbound = southbound;

        SubnetInformer = Informers.For<V1Subnet>(kube, options: InformerOptions<V1Subnet>("subnets"));
        VpcInformer = Informers.For<V1Vpc>(kube, options: InformerOptions<V1Vpc>("vpcs"));
        IpInformer = Informers.For<V1IP>(kube, options: InformerOptions<V1IP>("ips"));
        NamespaceInformer = Informers.For<V1Namespace>(kube, options: InformerOptions<V1Namespace>("namespaces"));
        NodeInformer = Informers.For<V1Node>(kube, options: InformerOptions<V1Node>("nodes"));
        PodInformer = Informers.For<V1Pod>(kube, options: InformerOptions<V1Pod>("pods"));
        NadInformer = Informers.For<V1NetworkAttachmentDefinition>(kube, options: InformerOptions<V1NetworkAttachmentDefinition>("network-attachment-definitions"));
        Subnets = new SubnetCatalog(SubnetInformer, NamespaceInformer, VpcInformer, Ipam, Northbound.Cache, Options);
        KubeVirt = new KubeVirtInformers(this);
    }

    public ControllerOptions Options { get; }

    public IKubeClient Kube { get; }

    /// <summary>OVN Northbound: transactions and the monitored cache (<see cref="NorthboundTables"/>).</summary>
    public OvsdbClient Northbound { get; }

    /// <summary>OVN Southbound (<see cref="SouthboundTables"/>), or null when <see cref="ControllerOptions.SouthboundAddress"/> is not set.</summary>
    public OvsdbClient? Southbound { get; }

    /// <summary>The one IPAM of the cluster. Subnets are registered by the topology module; IP state by the addressing module.</summary>
    public IpamRegistry Ipam { get; }

    public SharedInformerFactory Informers { get; }

    public IEventRecorder Events { get; }

    public ILoggerFactory LoggerFactory { get; }

    public TimeProvider Time { get; }

    /// <summary>Subnet lookup, pod-to-subnet resolution and readiness waits.</summary>
    public SubnetCatalog Subnets { get; }

    /// <summary>KubeVirt informers, available once discovery finds kubevirt.io/v1 (register handlers there).</summary>
    public KubeVirtInformers KubeVirt { get; }

    public ISharedInformer<V1Subnet> SubnetInformer { get; }

    public ISharedInformer<V1Vpc> VpcInformer { get; }

    public ISharedInformer<V1IP> IpInformer { get; }

    public ISharedInformer<V1Namespace> NamespaceInformer { get; }

    public ISharedInformer<V1Node> NodeInformer { get; }

    public ISharedInformer<V1Pod> PodInformer { get; }

    public ISharedInformer<V1NetworkAttachmentDefinition> NadInformer { get; }

    public ILogger CreateLogger(string category) => LoggerFactory.CreateLogger(category);

    internal SharedInformerOptions<T> InformerOptions<T>(string name)
        where T : class => new()
    {
        Name = name,
        TimeProvider = Time,
        Logger = LoggerFactory.CreateLogger("VmNet.Controller.Informer." + name),
    };
}
