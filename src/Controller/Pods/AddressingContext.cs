using Microsoft.Extensions.Logging;
using VmNet.Controller.Hosting;
using VmNet.Controller.Ips;
using VmNet.Controller.Runtime.Events;
using VmNet.Controller.Runtime.Informers;
using VmNet.Ipam;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Client;

namespace VmNet.Controller.Pods;

/// <summary>
/// What the pod, VM and IP reconcilers share, taken from the host's <see cref="ControllerContext"/>: clients,
/// the one IPAM, informer caches, subnet resolution, per-port locks and the step hook. The VM informers are
/// null until KubeVirt discovery finds kubevirt.io/v1.
/// </summary>
public sealed class AddressingContext
{
    public AddressingContext(ControllerContext host, AddressingStepHook? stepHook = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        Host = host;
        StepHook = stepHook ?? AddressingSteps.None;
        Logger = host.CreateLogger("VmNet.Controller.Addressing");
        Batcher = new NorthboundBatcher(host.Northbound);
        Ports = new LogicalPortWriter(host.Northbound, Batcher, StepHook);
        IpWriter = new IpWriter(host.Kube, StepHook);
    }

    public ControllerContext Host { get; }

    public IKubeClient Kube => Host.Kube;

    public OvsdbClient Northbound => Host.Northbound;

    public IpamRegistry Ipam => Host.Ipam;

    public IEventRecorder Events => Host.Events;

    public ISharedInformer<V1Pod> Pods => Host.PodInformer;

    public ISharedInformer<V1Subnet> Subnets => Host.SubnetInformer;

    public ISharedInformer<V1IP> Ips => Host.IpInformer;

    public ISharedInformer<V1VirtualMachine>? VirtualMachines { get; set; }

    public ISharedInformer<V1VirtualMachineInstance>? VirtualMachineInstances { get; set; }

    public ControllerOptions Options => Host.Options;

    /// <summary>Retry delay while a pod waits for its subnet (CR, IPAM or logical switch) to appear.</summary>
    public TimeSpan SubnetWaitDelay { get; init; } = TimeSpan.FromMilliseconds(250);

    public PortLocks Locks { get; } = new();

    /// <summary>Pods waiting for an address of a full subnet (woken by releases).</summary>
    public AddressWaiters AddressWaiters { get; } = new();

    /// <summary>Retry delay of a pod waiting on a full subnet when no release wakes it earlier (e.g. a grown CIDR).</summary>
    public TimeSpan ExhaustedRetryDelay { get; init; } = TimeSpan.FromMinutes(1);

    public AddressingStepHook StepHook { get; }

    public ILogger Logger { get; }

    /// <summary>Commits port changes of concurrent reconciles together (run by the module as a background task).</summary>
    public NorthboundBatcher Batcher { get; }

    public LogicalPortWriter Ports { get; }

    public IpWriter IpWriter { get; }

    /// <summary>The primary network's subnet for a pod (annotation, namespace binding, default), via the host's catalog.</summary>
    public string ChooseSubnet(V1Pod pod) => Host.Subnets.ResolveForPod(pod).Subnet;
}
