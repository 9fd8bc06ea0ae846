using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using VmNet.Cni;
using VmNet.Daemon.Cni;
using VmNet.Daemon.Netlink;
using VmNet.Daemon.Ovs;
using VmNet.Daemon.Pods;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Ovsdb.Errors;

namespace VmNet.Daemon.Sriov;

/// <summary>
/// The CNI server's SR-IOV steps (nicType offload-port, facts §7.1): a request with a <c>deviceID</c>
/// attaches that VF instead of creating a veth, and the pod gets the daemon-written annotations
/// <c>&lt;p&gt;.kubernetes.io/vf_representor</c>, <c>vf</c> and <c>pod_nic_type=sriov</c>. Errors become CNI errors.
/// </summary>
public sealed class SriovPodAttachments(SriovInterfaceConfigurator configurator, IKubeClient kube, DaemonOptions options, ILogger<SriovPodAttachments> logger)
{
    public const string VfioDriver = "vfio-pci";

    public async Task<SriovAttachment> AttachAsync(DaemonRequest request, PodInterfaceSpec pod, OvsPortSpec port, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        SriovAttachment attachment;
        try
        {
            var pci = PciAddress.Normalize(request.DeviceId!, "deviceID");
            if (request.VfDriver == VfioDriver && !configurator.Topology.Sysfs.Exists("bus/pci/drivers/" + VfioDriver))
            {
                throw new SriovException($"vf_driver {VfioDriver}: the driver is not loaded ({Path.Combine(configurator.Topology.Sysfs.Root, "bus/pci/drivers", VfioDriver)} does not exist)");
            }

            attachment = await configurator.AttachAsync(
                new SriovAttachRequest { VfPci = pci, Pod = pod, Port = port, LeaveVfForVm = request.VfDriver == VfioDriver, DisableTxChecksum = options.DatapathType == "netdev" },
                cancellationToken).ConfigureAwait(false);
        }
        catch (SriovException e)
        {
            throw new CniFailure(CniErrorCodes.DeviceUnavailable, e.Message, HttpStatusCode.InternalServerError, null, e);
        }

        try
        {
            await AnnotateAsync(request, attachment, cancellationToken).ConfigureAwait(false);
        }
        catch (KubeException e)
        {
            await DetachAsync(port.Name, pod.NetnsPath, pod.IfName, CancellationToken.None).ConfigureAwait(false);
            throw CniFailure.SetupFailed($"pod {request.PodNamespace}/{request.PodName}: writing the SR-IOV annotations failed: {e.Message}", e);
        }

        logger.LogInformation(
            "VF {Pci} ({Netdev}, VF {Index} of {Pf}) attached to {Namespace}/{Pod} {IfName}{Vm}; representor {Representor} plugged as {Port}",
            attachment.Vf.PciAddress, attachment.Vf.Netdev ?? attachment.Vf.Driver, attachment.Vf.VfIndex, attachment.Vf.PfNetdev, request.PodNamespace,
            request.PodName, request.IfName, attachment.VfInPod ? string.Empty : " (left for the VM)", attachment.Vf.Representor, attachment.RepresentorPort);
        return attachment;
    }

    /// <summary>Gives the VF plugged as <paramref name="portName"/> back; false when that port is not a VF representor.</summary>
    public async Task<bool> DetachAsync(string portName, string? podNetns, string ifName, CancellationToken cancellationToken)
    {
        try
        {
            return await configurator.DetachAsync(portName, podNetns, ifName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SriovException or KernelNetworkException or OvsdbException)
        {
            throw CniFailure.SetupFailed($"giving back the VF of port {portName} failed: {e.Message}", e);
        }
    }

    private async Task AnnotateAsync(DaemonRequest request, SriovAttachment attachment, CancellationToken cancellationToken)
    {
        var keys = SriovAnnotationKeys.For(request.Provider);
        var annotations = new JsonObject
        {
            [keys.VfRepresentor] = attachment.RepresentorPort,
            [keys.Vf] = attachment.Vf.Netdev ?? string.Empty,
            [keys.PodNicType] = SriovAnnotationKeys.SriovNicType,
        };
        var patch = KubePatch.Merge(new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = annotations } });
        await kube.PatchAsync<V1Pod>(request.PodNamespace, request.PodName, patch, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Pod annotations the daemon writes for an SR-IOV NIC (facts §2.3).</summary>
public sealed record SriovAnnotationKeys(string VfRepresentor, string Vf, string PodNicType)
{
    public const string SriovNicType = "sriov";

    public static SriovAnnotationKeys For(string provider) =>
        new(provider + ".kubernetes.io/vf_representor", provider + ".kubernetes.io/vf", provider + ".kubernetes.io/pod_nic_type");
}
