using Microsoft.Extensions.Logging;
using VmNet.Addressing;
using VmNet.Controller.Ips;
using VmNet.Controller.Runtime.Queue;
using VmNet.Ipam;
using VmNet.Kube.Models;

namespace VmNet.Controller.Pods;

/// <summary>
/// Releases addresses. Every release of a persisted allocation goes through its IP CR: deleting the CR (the
/// finalizer keeps it) hands the work to <see cref="IpReconciler"/>, which drops the finalizer, deletes the
/// port and only then frees the address in IPAM, so a crash at any point leaves the address held by
/// the CR that still exists (never freed while persisted, never lost once the CR is gone).
/// </summary>
public sealed class PodReleaser(AddressingContext context)
{
    /// <summary>
    /// A pod was deleted or finished. Ordinary pods release their port; a VM launcher releases nothing here
    /// (keep-vm-ip): the VM reconciler decides from the VM's state.
    /// </summary>
    public async Task<ReconcileResult> ReleaseGonePodAsync(string ns, string name, CancellationToken cancellationToken)
    {
        var portName = PortNames.PortName(name, ns, AnnotationKeys.DefaultProvider);
        using (await context.Locks.AcquireAsync(portName, cancellationToken).ConfigureAwait(false))
        {
            var ip = context.Ips.Indexer.Get(portName) ?? await context.IpWriter.GetAsync(portName, cancellationToken).ConfigureAwait(false);
            if (ip is not null)
            {
                // Only the pod's own CR: reservations and VM CRs (a VM named like the pod) stay.
                if (IpResources.OwnerKind(ip) == IpCrLabels.PodOwner && !IpResources.IsReserved(ip)
                    && ip.Spec?.PodName == name && ip.Spec?.Namespace == ns && !IpResources.IsDeleting(ip))
                {
                    await context.IpWriter.DeleteAsync(portName, cancellationToken).ConfigureAwait(false);
                }

                return ReconcileResult.Success;
            }

            // Allocated in memory but never persisted (deleted before its CR was written).
            if (context.Ipam.FindByNic(portName) is { PodType: not IpamRecord.VirtualMachine } held && held.OwnerKey == PortNames.OwnerKey(ns, name))
            {
                await context.Ports.DeleteAsync(portName, cancellationToken).ConfigureAwait(false);
                context.Ipam.ReleaseNic(portName);
                context.Logger.LogDebug("released unpersisted allocation of {Port}", portName);
            }
        }

        return ReconcileResult.Success;
    }

    /// <summary>Starts releasing a port: through its IP CR when there is one, else directly (memory only).</summary>
    public async Task ReleasePortAsync(string portName, V1IP? ip, CancellationToken cancellationToken)
    {
        // The informer may not show a CR this controller just created: ask the API before freeing memory only.
        ip ??= await context.IpWriter.GetAsync(portName, cancellationToken).ConfigureAwait(false);
        if (ip is not null)
        {
            if (!IpResources.IsDeleting(ip))
            {
                await context.IpWriter.DeleteAsync(portName, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        await context.Ports.DeleteAsync(portName, cancellationToken).ConfigureAwait(false);
        context.Ipam.ReleaseNic(portName);
    }
}
