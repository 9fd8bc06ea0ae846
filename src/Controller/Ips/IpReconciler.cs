using VmNet.Controller.Hosting;
using Microsoft.Extensions.Logging;
using VmNet.Controller.Pods;
using VmNet.Controller.Runtime.Events;
using VmNet.Controller.Runtime.Queue;
using VmNet.Ipam;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Ips;

/// <summary>
/// IP custom resources (facts §3.2). A CR being deleted (by a user, the GC or a pod/VM release) has its
/// finalizer dropped, then its port deleted, then its address freed in IPAM, in that order and under the
/// port's lock: the address stays held in IPAM as long as the CR persists it. A CR without a pod (a user reservation) is registered in IPAM and gets the finalizer.
/// </summary>
public sealed class IpReconciler(AddressingContext context) : IReconciler
{
    public string Name => "ip";

    public const string ReservationFailedReason = "ReserveAddressFailed";

    public async Task<ReconcileResult> ReconcileAsync(string name, CancellationToken cancellationToken)
    {
        var ip = context.Ips.Indexer.Get(name);
        if (ip is null)
        {
            return ReconcileResult.Success;
        }

        using (await context.Locks.AcquireAsync(name, cancellationToken).ConfigureAwait(false))
        {
            if (IpResources.IsDeleting(ip))
            {
                if (IpResources.HasFinalizer(ip))
                {
                    if (!await context.IpWriter.RemoveFinalizerAsync(ip, cancellationToken).ConfigureAwait(false)
                        && await context.IpWriter.GetAsync(name, cancellationToken).ConfigureAwait(false) is { } successor
                        && successor.Metadata?.Uid != ip.Metadata?.Uid)
                    {
                        // A stale event: this CR was released earlier and a new one of the same name holds the NIC now.
                        return ReconcileResult.Success;
                    }

                    // The CR is gone: a crash from here on loses only memory; an orphan port is garbage-collected.
                    await context.Ports.DeleteAsync(name, cancellationToken).ConfigureAwait(false);
                    if (context.Ipam.ReleaseNic(name) is { } released)
                    {
                        context.Host.Subnets.NotifyUsageChanged(released.Subnet);
                    }

                    context.Logger.LogDebug("released IP {Name}", name);
                }

                return ReconcileResult.Success;
            }

            return await EnsureRegisteredAsync(ip, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<ReconcileResult> EnsureRegisteredAsync(V1IP ip, CancellationToken cancellationToken)
    {
        var name = ip.Metadata!.Name!;
        if (context.Ipam.FindByNic(name) is null && IpResources.ToRecord(ip) is { } record && record.Ips.Count > 0)
        {
            if (context.Ipam.FindSubnet(record.Subnet) is not { } subnet)
            {
                return ReconcileResult.RequeueAfter(context.SubnetWaitDelay);
            }

            try
            {
                subnet.Allocate(new AllocationRequest(name, record.OwnerKey)
                {
                    StaticIps = AllocationRequest.SplitIpAnnotation(string.Join(',', record.Ips)),
                    StaticMac = record.Mac,
                    PodType = record.PodType ?? string.Empty,
                });
                context.Host.Subnets.NotifyUsageChanged(subnet.Name);
            }
            catch (IpamException ex)
            {
                context.Events.Warning(ip.ToObjectReference(), ReservationFailedReason, ex.Message);
                return ReconcileResult.RequeueAfter(TimeSpan.FromMinutes(1));
            }
        }

        if (!IpResources.HasFinalizer(ip))
        {
            await context.IpWriter.AddFinalizerAsync(ip, cancellationToken).ConfigureAwait(false);
        }

        return ReconcileResult.Success;
    }
}
