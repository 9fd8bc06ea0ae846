using Microsoft.Extensions.Logging;
using VmNet.Controller.Ips;
using VmNet.Controller.Runtime.Events;
using VmNet.Controller.Runtime.Informers;
using VmNet.Ipam;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Client;

namespace VmNet.Controller.Pods;

/// <summary>
/// What the pod, VM and IP reconcilers share: clients, the controller's IPAM, informer caches, per-port
/// locks and the step hook. The VM informers are null when KubeVirt is not installed.
/// </summary>
public sealed class AddressingContext
{
    public required IKubeClient Kube { get; init; }

    public required OvsdbClient Northbound { get; init; }

    public required IpamRegistry Ipam { get; init; }

    public required IEventRecorder Events { get; init; }

    public required SharedInformer<V1Pod> Pods { get; init; }

    public required SharedInformer<V1Namespace> Namespaces { get; init; }

    public required SharedInformer<V1Subnet> Subnets { get; init; }

    public required SharedInformer<V1IP> Ips { get; init; }

    public SharedInformer<V1VirtualMachine>? VirtualMachines { get; set; }

    public SharedInformer<V1VirtualMachineInstance>? VirtualMachineInstances { get; set; }

    public AddressingOptions Options { get; init; } = new();

    public PortLocks Locks { get; } = new();

    public AddressingStepHook StepHook { get; init; } = AddressingSteps.None;

    public required ILogger Logger { get; init; }

    public LogicalPortWriter Ports => _ports ??= new LogicalPortWriter(Northbound, StepHook);

    public IpWriter IpWriter => _ipWriter ??= new IpWriter(Kube, StepHook);

    private LogicalPortWriter? _ports;
    private IpWriter? _ipWriter;
}
