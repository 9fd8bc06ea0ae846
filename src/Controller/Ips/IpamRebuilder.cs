using Microsoft.Extensions.Logging;
using VmNet.Addressing;
using VmNet.Controller.Pods;
using VmNet.Ipam;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Ips;

/// <summary>
/// Rebuilds the controller's IPAM at start, before any allocation (facts §4.5): every IP CR is the persisted
/// truth (VMs first, then StatefulSets, then pods, see <see cref="IpamRegistry.Rebuild"/>); then alive pods
/// whose allocation annotations have no IP CR are re-registered where their address is still free (their
/// reconcile writes the missing CR). Subnets must already be registered in the registry.
/// </summary>
public static class IpamRebuilder
{
    public sealed record Result(int FromIpCrs, int FromPodAnnotations, IReadOnlyList<RebuildConflict> Conflicts);

    public static async Task<Result> RebuildAsync(IKubeClient kube, IpamRegistry ipam, bool keepVmIp, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kube);
        ArgumentNullException.ThrowIfNull(ipam);
        var records = new List<IpamRecord>();
        var persisted = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var ip in kube.ListAllAsync<V1IP>(null, new ListOptions { Limit = 5000 }, cancellationToken).ConfigureAwait(false))
        {
            if (IpResources.ToRecord(ip) is { } record)
            {
                records.Add(record);
                persisted.Add(record.NicKey);
            }
        }

        var report = ipam.Rebuild(records);
        var fromPods = 0;
        var conflicts = new List<RebuildConflict>(report.Conflicts);
        await foreach (var pod in kube.ListAllAsync<V1Pod>(null, new ListOptions { Limit = 5000 }, cancellationToken).ConfigureAwait(false))
        {
            if (!PodFacts.IsAlive(pod) || PodFacts.IsHostNetwork(pod) || !AllocationAnnotations.IsAllocated(pod.Metadata?.Annotations))
            {
                continue;
            }

            var facts = PodFacts.Of(pod, keepVmIp);
            var annotations = pod.Metadata!.Annotations!;
            if (persisted.Contains(facts.PortName)
                || !annotations.TryGetValue(AnnotationKeys.For(AnnotationKeys.LogicalSwitch), out var subnet)
                || ipam.FindSubnet(subnet) is not { } subnetIpam)
            {
                continue;
            }

            var ips = AllocationRequest.SplitIpAnnotation(annotations.GetValueOrDefault(AnnotationKeys.For(AnnotationKeys.IpAddress)));
            var mac = annotations.GetValueOrDefault(AnnotationKeys.For(AnnotationKeys.MacAddress));
            var record = new IpamRecord(subnet, facts.PortName, facts.OwnerKey, ips, mac, facts.PodType);
            try
            {
                subnetIpam.Allocate(new AllocationRequest(facts.PortName, facts.OwnerKey) { StaticIps = ips, StaticMac = mac, PodType = facts.PodType });
                fromPods++;
            }
            catch (IpamException ex)
            {
                conflicts.Add(new RebuildConflict(record, ex.Message, (ex as AddressConflictException)?.CurrentOwner));
            }
        }

        foreach (var conflict in conflicts)
        {
            logger.LogWarning("IPAM rebuild: {Nic} ({Owner}) not registered: {Reason}", conflict.Record.NicKey, conflict.Record.OwnerKey, conflict.Reason);
        }

        logger.LogInformation("IPAM rebuilt: {FromCrs} from IP CRs, {FromPods} from pod annotations, {Conflicts} conflicts", report.Registered, fromPods, conflicts.Count);
        return new Result(report.Registered, fromPods, conflicts);
    }
}
