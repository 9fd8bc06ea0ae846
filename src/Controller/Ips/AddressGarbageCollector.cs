using Microsoft.Extensions.Logging;
using VmNet.Addressing;
using VmNet.Controller.Pods;
using VmNet.Controller.VirtualMachines;
using VmNet.Ipam;
using VmNet.KubeVirt;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb;

namespace VmNet.Controller.Ips;

/// <summary>
/// Mark-and-sweep garbage collection of addressing state whose owner is gone (facts §5.2): IP CRs the
/// controller created (owner kind Pod, VirtualMachine, or Node once the Node is gone), ports it owns, and IPAM entries nothing persists.
/// A candidate is removed only when it is still an orphan on the next pass, and a VM's state is never
/// collected while the VM exists (keep-vm-ip). User reservations (no owner kind) are never touched.
/// </summary>
public sealed class AddressGarbageCollector(AddressingContext context)
{
    private readonly VmStateReader _vms = new(context);
    private HashSet<string> _markedIps = [];
    private HashSet<string> _markedPorts = [];
    private HashSet<string> _markedNics = [];

    /// <summary>Result of one pass: how many were marked and how many removed.</summary>
    public sealed record Pass(int MarkedIps, int DeletedIps, int MarkedPorts, int DeletedPorts, int MarkedNics, int ReleasedNics);

    public async Task<Pass> RunPassAsync(CancellationToken cancellationToken)
    {
        var (markedIps, deletedIps) = await SweepIpsAsync(cancellationToken).ConfigureAwait(false);
        var (markedPorts, deletedPorts) = await SweepPortsAsync(cancellationToken).ConfigureAwait(false);
        var (markedNics, releasedNics) = await SweepNicsAsync(cancellationToken).ConfigureAwait(false);
        var pass = new Pass(markedIps, deletedIps, markedPorts, deletedPorts, markedNics, releasedNics);
        if (deletedIps + deletedPorts + releasedNics > 0)
        {
            context.Logger.LogInformation("address GC: {Pass}", pass);
        }

        return pass;
    }

    /// <summary>True when the owner (<c>ns/name</c> of kind Pod or VirtualMachine) is gone for good.</summary>
    public bool IsOwnerGone(string ownerKind, string ownerKey, string subnet)
    {
        var slash = ownerKey.IndexOf('/', StringComparison.Ordinal);
        var (ns, name) = slash < 0 ? (string.Empty, ownerKey) : (ownerKey[..slash], ownerKey[(slash + 1)..]);
        if (ownerKind == IpCrLabels.NodeOwner)
        {
            // A node's join address lives as long as the Node (the node controller releases it on deletion).
            return context.Host.NodeInformer.Indexer.Get(null, name) is null;
        }

        if (ownerKind == IpCrLabels.VirtualMachineOwner)
        {
            return KeepVmIpDecision.Decide(_vms.Read(ns, name), subnet) == VmAddressFate.ReleaseVmDeleted;
        }

        var pod = context.Pods.Indexer.Get(ns, name);
        return pod is null || !PodFacts.IsAlive(pod);
    }

    private async Task<(int Marked, int Deleted)> SweepIpsAsync(CancellationToken cancellationToken)
    {
        var orphans = new HashSet<string>(StringComparer.Ordinal);
        var deleted = 0;
        foreach (var ip in context.Ips.Indexer.List())
        {
            var kind = IpResources.OwnerKind(ip);
            var name = ip.Metadata?.Name;
            if (name is null || kind is null || IpResources.IsReserved(ip) || IpResources.IsDeleting(ip))
            {
                continue;
            }

            if (!IsOwnerGone(kind, PortNames.OwnerKey(ip.Spec?.Namespace ?? string.Empty, ip.Spec?.PodName ?? string.Empty), ip.Spec?.Subnet ?? string.Empty))
            {
                continue;
            }

            if (_markedIps.Contains(name))
            {
                await context.IpWriter.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
                deleted++;
            }
            else
            {
                orphans.Add(name);
            }
        }

        _markedIps = orphans;
        return (orphans.Count, deleted);
    }

    private async Task<(int Marked, int Deleted)> SweepPortsAsync(CancellationToken cancellationToken)
    {
        var orphans = new HashSet<string>(StringComparer.Ordinal);
        var deleted = 0;
        var cache = context.Northbound.Cache;
        var rows = cache.FindOwnedByKind(LogicalSwitchPort.Table, IpCrLabels.PodOwner)
            .Concat(cache.FindOwnedByKind(LogicalSwitchPort.Table, IpCrLabels.VirtualMachineOwner));
        foreach (var row in rows)
        {
            var owner = Ownership.FromRow(row);
            var name = row.Name;
            if (owner is null || name is null || context.Ips.Indexer.Get(name) is not null || context.Ipam.FindByNic(name) is not null)
            {
                continue;
            }

            if (!IsOwnerGone(owner.Kind, owner.Key, row.ExternalId(LogicalPortWriter.SwitchExternalId) ?? string.Empty))
            {
                continue;
            }

            if (_markedPorts.Contains(name))
            {
                using (await context.Locks.AcquireAsync(name, cancellationToken).ConfigureAwait(false))
                {
                    if (context.Ipam.FindByNic(name) is null && await context.IpWriter.GetAsync(name, cancellationToken).ConfigureAwait(false) is null)
                    {
                        await context.Ports.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
                        deleted++;
                    }
                }
            }
            else
            {
                orphans.Add(name);
            }
        }

        _markedPorts = orphans;
        return (orphans.Count, deleted);
    }

    private async Task<(int Marked, int Released)> SweepNicsAsync(CancellationToken cancellationToken)
    {
        var orphans = new HashSet<string>(StringComparer.Ordinal);
        var released = 0;
        foreach (var subnetName in context.Ipam.SubnetNames)
        {
            if (context.Ipam.FindSubnet(subnetName) is not { } subnet)
            {
                continue;
            }

            foreach (var allocation in subnet.Allocations())
            {
                var name = allocation.NicKey;
                var kind = allocation.PodType == IpamRecord.VirtualMachine ? IpCrLabels.VirtualMachineOwner
                    : subnetName == context.Options.NodeSwitch ? IpCrLabels.NodeOwner // the join subnet holds node ports only
                    : IpCrLabels.PodOwner;
                if (context.Ips.Indexer.Get(name) is not null || !IsOwnerGone(kind, allocation.OwnerKey, allocation.Subnet))
                {
                    continue;
                }

                if (!_markedNics.Contains(name))
                {
                    orphans.Add(name);
                    continue;
                }

                using (await context.Locks.AcquireAsync(name, cancellationToken).ConfigureAwait(false))
                {
                    // Memory only: free it only when the API confirms no CR persists it.
                    if (await context.IpWriter.GetAsync(name, cancellationToken).ConfigureAwait(false) is null)
                    {
                        await context.Ports.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
                        context.Ipam.ReleaseNic(name);
                        released++;
                    }
                }
            }
        }

        _markedNics = orphans;
        return (orphans.Count, released);
    }
}
