using System.Globalization;
using VmNet.Daemon.Pods;
using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;
using VmNet.Ovsdb.Vswitch;

namespace VmNet.Daemon.Ovs;

/// <summary>
/// The pod's ingress limit as an OVS QoS on its port (traffic leaving OVS towards the pod), Kube-OVN
/// style (facts §9.5): <c>QoS type=linux-htb</c> with queue 0 <c>max-rate</c>/<c>burst</c>. OVS programs
/// it as a tc htb qdisc on the host veth, which also shapes what the userspace datapath sends through
/// its AF_PACKET socket. QoS and Queue are root tables, so they are deleted explicitly.
/// </summary>
public static class OvsQos
{
    public const string Type = "linux-htb";

    public static IEnumerable<OvsdbOperation> InsertOps(PodQos qos, string ifaceId, IReadOnlyDictionary<string, string> podIds, string uuidName)
    {
        ArgumentNullException.ThrowIfNull(qos);
        ArgumentNullException.ThrowIfNull(podIds);
        var ids = OvsdbMap.Of(OwnerIds(ifaceId, podIds));
        var queueName = uuidName + "_queue";
        yield return new InsertOperation(Queue.Table, new Dictionary<string, object?> { ["other_config"] = OvsdbMap.Of(QueueConfig(qos)), ["external_ids"] = ids }, queueName);
        yield return new InsertOperation(
            QoS.Table,
            new Dictionary<string, object?>
            {
                ["type"] = Type,
                ["other_config"] = OvsdbMap.Of(new Dictionary<string, string> { ["max-rate"] = MaxRate(qos) }),
                ["queues"] = OvsdbMap.Of(new Dictionary<long, NamedUuid> { [0] = new NamedUuid(queueName) }),
                ["external_ids"] = ids,
            },
            uuidName);
    }

    /// <summary>Brings the port's QoS to <paramref name="qos"/>: insert, update in place, or remove.</summary>
    public static IEnumerable<OvsdbOperation> ChangeOps(OvsdbCache cache, Port port, PodQos qos, IReadOnlyDictionary<string, string> podIds)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(qos);
        var existing = port.Qos is { } id ? cache.Get<QoS>(id) : null;
        if (qos.IngressRateMbps == 0)
        {
            if (existing is not null)
            {
                yield return Ops.Update(Port.Table, port.Uuid, new Dictionary<string, object?> { ["qos"] = OvsdbSet.Empty });
                foreach (var op in DeleteOps(cache, existing.Uuid))
                {
                    yield return op;
                }
            }

            yield break;
        }

        if (existing is null || !existing.Queues.TryGetValue(0, out var queue))
        {
            var ifaceId = podIds.GetValueOrDefault(OvsExternalIds.IfaceId) ?? port.Name;
            foreach (var op in InsertOps(qos, ifaceId, podIds, "qos"))
            {
                yield return op;
            }

            yield return Ops.Update(Port.Table, port.Uuid, new Dictionary<string, object?> { ["qos"] = OvsdbSet.Of(new NamedUuid("qos")) });
            if (existing is not null)
            {
                foreach (var op in DeleteOps(cache, existing.Uuid))
                {
                    yield return op;
                }
            }

            yield break;
        }

        yield return Ops.Update(QoS.Table, existing.Uuid, new Dictionary<string, object?> { ["other_config"] = OvsdbMap.Of(new Dictionary<string, string> { ["max-rate"] = MaxRate(qos) }) });
        yield return Ops.Update(Queue.Table, queue, new Dictionary<string, object?> { ["other_config"] = OvsdbMap.Of(QueueConfig(qos)) });
    }

    public static IEnumerable<OvsdbOperation> DeleteOps(OvsdbCache cache, Guid qos)
    {
        ArgumentNullException.ThrowIfNull(cache);
        if (cache.Get<QoS>(qos) is not { } row)
        {
            yield break;
        }

        yield return Ops.Delete(QoS.Table, qos);
        foreach (var queue in row.Queues.Values)
        {
            yield return Ops.Delete(Queue.Table, queue);
        }
    }

    /// <summary>The queue-0 max-rate in Mbit/s (0 when absent).</summary>
    public static long RateMbps(OvsdbCache cache, QoS qos)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(qos);
        return qos.Queues.TryGetValue(0, out var id) && cache.Get<Queue>(id) is { } queue
            && queue.OtherConfig.TryGetValue("max-rate", out var text) && long.TryParse(text, CultureInfo.InvariantCulture, out var bps)
            ? bps / 1_000_000
            : 0;
    }

    private static string MaxRate(PodQos qos) => (qos.IngressRateMbps * 1_000_000).ToString(CultureInfo.InvariantCulture);

    private static Dictionary<string, string> QueueConfig(PodQos qos) => new()
    {
        ["max-rate"] = MaxRate(qos),
        ["burst"] = (qos.ShaperBurstBytes * 8).ToString(CultureInfo.InvariantCulture),
    };

    private static Dictionary<string, string> OwnerIds(string ifaceId, IReadOnlyDictionary<string, string> podIds)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [OvsExternalIds.IfaceId] = ifaceId,
            [OvsExternalIds.Vendor] = OvsExternalIds.VendorValue,
        };
        if (podIds.TryGetValue(OvsExternalIds.PodName, out var name) && podIds.TryGetValue(OvsExternalIds.PodNamespace, out var ns))
        {
            ids[OvsExternalIds.Pod] = ns + "/" + name;
        }

        return ids;
    }
}
