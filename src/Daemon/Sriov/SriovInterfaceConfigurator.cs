using System.Net.NetworkInformation;
using VmNet.Daemon.Netlink;
using VmNet.Daemon.Ovs;
using VmNet.Daemon.Pods;

namespace VmNet.Daemon.Sriov;

/// <summary>
/// Attaches an SR-IOV VF of a switchdev NIC to a pod (facts §7.1): VF MAC set through the PF, the
/// representor renamed to the port name and plugged into br-int (with what DEL needs in its external_ids),
/// the VF moved into the pod netns as the requested ifname with MAC, MTU, addresses and routes. Any
/// failure undoes what was done, so nothing half-configured stays behind; DEL gives the VF back under its
/// original name with its MAC reset, even after a daemon restart (the state is read back from OVS).
/// </summary>
public sealed class SriovInterfaceConfigurator(HostNetwork host, OvsPorts ports, SriovTopology topology, IEswitchModeReader eswitch, IVfMacSetter vfMac)
{
    public const string SwitchdevMode = "switchdev";

    /// <summary>What a VF's administrative MAC is reset to on release (no MAC enforced by the PF).</summary>
    public static readonly PhysicalAddress ZeroMac = new(new byte[6]);

    // VF attach/detach run one at a time on the node: the in-use check and the plug that records the VF
    // must not interleave with another container's (they take tens of milliseconds, and are rare).
    private readonly SemaphoreSlim gate = new(1, 1);

    public SriovTopology Topology => topology;

    public async Task<SriovAttachment> AttachAsync(SriovAttachRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await AttachCoreAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Gives back the VF plugged as port <paramref name="portName"/>: VF netdev to the host under its
    /// original name and MAC, VF MAC reset through the PF, representor down under its kernel name, port
    /// removed last (so a failed DEL can be retried from the same record). False when no SR-IOV port has that name.
    /// </summary>
    public async Task<bool> DetachAsync(string portName, string? podNetns, string ifName, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await DetachCoreAsync(portName, podNetns, ifName, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<SriovAttachment> AttachCoreAsync(SriovAttachRequest request, CancellationToken cancellationToken)
    {
        var pod = request.Pod;
        var portName = request.Port.Name;
        if (portName != pod.HostName)
        {
            throw new ArgumentException($"port name {portName} differs from the representor's host name {pod.HostName}", nameof(request));
        }

        // A retried ADD of the same container starts from a clean node.
        await DetachCoreAsync(portName, pod.NetnsPath, pod.IfName, cancellationToken).ConfigureAwait(false);
        var vf = topology.Locate(request.VfPci);
        RefuseIfInUse(vf);
        var mode = await eswitch.ReadModeAsync(vf.PfPciAddress, cancellationToken).ConfigureAwait(false);
        if (mode != SwitchdevMode)
        {
            throw new SriovException($"deviceID {vf.PciAddress}: PF {vf.PfPciAddress} ({vf.PfNetdev}) eswitch mode is {mode}, not {SwitchdevMode}");
        }

        // A vfio-bound VF has no netdev: only a VM (KubeVirt SR-IOV binding) can take it.
        var vfInPod = !request.LeaveVfForVm && !vf.IsUserspaceBound;

        var vfLink = vf.Netdev is null ? null : await host.Links.TryGetLinkAsync(vf.Netdev, cancellationToken).ConfigureAwait(false);
        if (vf.Netdev is not null && vfLink is null)
        {
            throw new SriovException($"deviceID {vf.PciAddress}: VF netdev {vf.Netdev} is not in the host network namespace; it is in use by another pod");
        }

        if (await host.Links.TryGetLinkAsync(vf.Representor, cancellationToken).ConfigureAwait(false) is null)
        {
            throw new SriovException($"deviceID {vf.PciAddress}: representor {vf.Representor} of VF {vf.VfIndex} is not in the host network namespace");
        }

        var state = new SriovPortState
        {
            VfPci = vf.PciAddress,
            VfNetdev = vf.Netdev,
            VfMac = vfLink?.MacAddress,
            PfNetdev = vf.PfNetdev,
            VfIndex = vf.VfIndex,
            Representor = vf.Representor,
            VfInPod = vfInPod,
            TxChecksumOff = vfInPod && request.DisableTxChecksum,
        };
        try
        {
            await SetVfMacAsync(vf.PfNetdev, vf.VfIndex, pod.Mac, vf.PciAddress, cancellationToken).ConfigureAwait(false);

            // The representor carries the port name, as a veth host end does: stable across restarts and unique per container.
            await host.Links.SetLinkAsync(vf.Representor, new LinkChanges { Up = false, NewName = portName == vf.Representor ? null : portName }, cancellationToken).ConfigureAwait(false);
            var ids = new Dictionary<string, string>(request.Port.ExternalIds, StringComparer.Ordinal);
            foreach (var (key, value) in state.ToExternalIds())
            {
                ids[key] = value;
            }

            await ports.AddAsync(request.Port with { ExternalIds = ids }, cancellationToken).ConfigureAwait(false);
            await host.Links.SetLinkAsync(portName, new LinkChanges { Mtu = pod.Mtu, Up = true }, cancellationToken).ConfigureAwait(false);
            if (vfInPod)
            {
                if (state.TxChecksumOff)
                {
                    host.Ethtool.SetTxChecksum(vf.Netdev!, enabled: false);
                }

                await MoveVfIntoPodAsync(vf.Netdev!, pod, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            // Also when cancelled (the binary gave up, the daemon is stopping): the VF and representor go back now.
            var rollback = await RollBackAsync(state, portName, pod).ConfigureAwait(false);
            if (e is OperationCanceledException && rollback is null)
            {
                throw;
            }

            var reason = e is SriovException ? e.Message : $"deviceID {vf.PciAddress}: attaching VF {vf.Netdev ?? vf.PciAddress} (representor {vf.Representor}) as {pod.IfName} failed: {e.Message}";
            throw new SriovException(rollback is null ? reason : reason + "; rolling back also failed: " + rollback.Message, e);
        }

        return new SriovAttachment(vf, portName, vfInPod);
    }

    /// <summary>Undoes a failed ADD; returns the error when even that fails (the port record then stays for DEL to finish).</summary>
    private async Task<Exception?> RollBackAsync(SriovPortState state, string portName, PodInterfaceSpec pod)
    {
        try
        {
            await ReleaseAsync(state, portName, pod.NetnsPath, pod.IfName, CancellationToken.None).ConfigureAwait(false);
            await ports.RemoveAsync(portName, CancellationToken.None).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is KernelNetworkException or VmNet.Ovsdb.Errors.OvsdbException or InvalidOperationException or SriovException)
        {
            return e;
        }
    }

    private async Task<bool> DetachCoreAsync(string portName, string? podNetns, string ifName, CancellationToken cancellationToken)
    {
        var iface = ports.FindInterface(portName);
        if (iface is null || SriovPortState.FromExternalIds(iface.ExternalIds) is not { } state)
        {
            return false;
        }

        await ReleaseAsync(state, portName, podNetns, ifName, cancellationToken).ConfigureAwait(false);
        await ports.RemoveAsync(portName, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Representor ports whose record names this VF: the VF is someone's, unless the pod's port is what we are replacing.</summary>
    private void RefuseIfInUse(VirtualFunction vf)
    {
        var owner = ports.OwnedInterfaces().FirstOrDefault(i => i.ExternalIds.GetValueOrDefault(SriovPortState.VfPciKey) == vf.PciAddress);
        if (owner is not null)
        {
            throw new SriovException(
                $"deviceID {vf.PciAddress}: VF is in use by OVS port {owner.Name} (pod {owner.ExternalIds.GetValueOrDefault(OvsExternalIds.PodNamespace)}/{owner.ExternalIds.GetValueOrDefault(OvsExternalIds.PodName)})");
        }
    }

    private async Task SetVfMacAsync(string pf, int vfIndex, PhysicalAddress mac, string vfPci, CancellationToken cancellationToken)
    {
        try
        {
            await vfMac.SetAsync(pf, vfIndex, mac, cancellationToken).ConfigureAwait(false);
        }
        catch (KernelNetworkException e)
        {
            throw new SriovException($"deviceID {vfPci}: setting the MAC of VF {vfIndex} through PF {pf} to {MacFormat.Format(mac)} failed: {e.Message}", e);
        }
    }

    private async Task MoveVfIntoPodAsync(string vfNetdev, PodInterfaceSpec spec, CancellationToken cancellationToken)
    {
        using var podNs = PodInterfaceConfigurator.OpenNetns(spec.NetnsPath);
        await host.Links.SetDownAsync(vfNetdev, cancellationToken).ConfigureAwait(false);
        await host.Links.MoveLinkToNamespaceAsync(vfNetdev, podNs, spec.IfName, cancellationToken).ConfigureAwait(false);
        using var pod = await RouteNetlinkClient.OpenInAsync(podNs, cancellationToken).ConfigureAwait(false);
        await pod.SetLinkAsync(spec.IfName, new LinkChanges { MacAddress = spec.Mac, Mtu = spec.Mtu }, cancellationToken).ConfigureAwait(false);
        await pod.SetUpAsync("lo", cancellationToken).ConfigureAwait(false);
        await pod.SetUpAsync(spec.IfName, cancellationToken).ConfigureAwait(false);
        foreach (var address in spec.Addresses)
        {
            await pod.AddAddressAsync(spec.IfName, address, new AddressOptions(NoDad: spec.NoDad), cancellationToken).ConfigureAwait(false);
        }

        foreach (var route in spec.Routes)
        {
            await pod.ReplaceRouteAsync(route, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Every step is idempotent: it checks where the VF and the representor are now, so a repeat after a partial run finishes the job.</summary>
    private async Task ReleaseAsync(SriovPortState state, string portName, string? podNetns, string ifName, CancellationToken cancellationToken)
    {
        if (state.VfInPod && state.VfNetdev is not null)
        {
            await ReturnVfToHostAsync(state, podNetns, ifName, cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await vfMac.SetAsync(state.PfNetdev, state.VfIndex, ZeroMac, cancellationToken).ConfigureAwait(false);
        }
        catch (KernelNetworkException e) when (e.ErrnoName is "ENODEV" or "EOPNOTSUPP")
        {
            // The PF is gone, or never accepted a VF MAC (ADD failed at that step): nothing to reset.
        }

        if (await host.Links.TryGetLinkAsync(portName, cancellationToken).ConfigureAwait(false) is not null)
        {
            await host.Links.SetLinkAsync(portName, new LinkChanges { Up = false, NewName = portName == state.Representor ? null : state.Representor }, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ReturnVfToHostAsync(SriovPortState state, string? podNetns, string ifName, CancellationToken cancellationToken)
    {
        var vfNetdev = state.VfNetdev!;
        if (podNetns is { Length: > 0 } && File.Exists(podNetns))
        {
            using var podNs = NetworkNamespace.Open(podNetns);
            using var pod = await RouteNetlinkClient.OpenInAsync(podNs, cancellationToken).ConfigureAwait(false);
            if (await pod.TryGetLinkAsync(ifName, cancellationToken).ConfigureAwait(false) is not null)
            {
                await pod.SetDownAsync(ifName, cancellationToken).ConfigureAwait(false);
                using var own = host.Namespace is null ? NetworkNamespace.OpenCurrent() : null;
                await pod.MoveLinkToNamespaceAsync(ifName, host.Namespace ?? own!, vfNetdev, cancellationToken).ConfigureAwait(false);
            }
        }

        // Without its netns (the pod is gone), the kernel has already returned a physical VF to the
        // initial namespace under its pod-side name: sysfs knows it by PCI address.
        if (await host.Links.TryGetLinkAsync(vfNetdev, cancellationToken).ConfigureAwait(false) is null
            && topology.Sysfs.List($"bus/pci/devices/{state.VfPci}/net").FirstOrDefault() is { } current
            && await host.Links.TryGetLinkAsync(current, cancellationToken).ConfigureAwait(false) is not null)
        {
            await host.Links.SetLinkAsync(current, new LinkChanges { Up = false, NewName = vfNetdev }, cancellationToken).ConfigureAwait(false);
        }

        if (await host.Links.TryGetLinkAsync(vfNetdev, cancellationToken).ConfigureAwait(false) is null)
        {
            return;
        }

        if (state.VfMac is not null)
        {
            await host.Links.SetMacAddressAsync(vfNetdev, state.VfMac, cancellationToken).ConfigureAwait(false);
        }

        if (state.TxChecksumOff)
        {
            host.Ethtool.SetTxChecksum(vfNetdev, enabled: true);
        }
    }
}
