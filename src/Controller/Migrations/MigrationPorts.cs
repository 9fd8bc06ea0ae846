using VmNet.Addressing;
using VmNet.Controller.Pods;
using VmNet.KubeVirt.Migration;
using VmNet.Ovsdb;
using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;

namespace VmNet.Controller.Migrations;

/// <summary>
/// A VM's Logical_Switch_Ports (every NIC: external_ids <c>pod=ns/vm</c>, or the typed VirtualMachine owner) and
/// their migration options. Changes go as map mutations in one transaction for all NICs, so options written by
/// others (DHCP, QoS, ...) stay and the NICs never disagree.
/// </summary>
/// <param name="isVhostUser">Whether a port (by its external_ids) is a vhost-user NIC; <see cref="VmNet.Dpdk.VhostUserPortDetector"/> in the module.</param>
public sealed class MigrationPorts(OvsdbClient northbound, Func<PortActivationFacts, bool> activationPolicy, Func<IReadOnlyDictionary<string, string>, bool>? isVhostUser = null)
{
    /// <summary>LSP external_ids key marking a vhost-user (DPDK) NIC.</summary>
    public const string VhostUserExternalId = "vmnet.io/vhost-user";

    /// <summary>LSP external_ids key recording whether the guest negotiated GUEST_ANNOUNCE (true/false), when known.</summary>
    public const string GuestAnnounceExternalId = "vmnet.io/guest-announce";

    public IReadOnlyList<OvsdbRow> Of(string vmOwnerKey)
    {
        var cache = northbound.Cache;
        var byPod = cache.FindByExternalId(LogicalSwitchPort.Table, LogicalPortWriter.PodExternalId, vmOwnerKey);
        var byOwner = cache.FindOwnedBy(LogicalSwitchPort.Table, new Ownership(IpCrLabels.VirtualMachineOwner, vmOwnerKey));
        return byPod.Concat(byOwner).DistinctBy(r => r.Uuid).ToArray();
    }

    public bool AnyRequestsTwoChassis(string vmOwnerKey) =>
        Of(vmOwnerKey).Any(row => PortOptionsChange.RequestsTwoChassis(row.GetMap<string, string>("options")));

    /// <summary>Brings every port of the VM to <paramref name="action"/>; returns how many ports changed.</summary>
    public async Task<int> ApplyAsync(string vmOwnerKey, SwitchoverAction action, CancellationToken cancellationToken)
    {
        var operations = new List<OvsdbOperation>();
        foreach (var row in Of(vmOwnerKey))
        {
            var change = PortOptionsChange.For(action, row.GetMap<string, string>("options"), activationPolicy(FactsOf(row)));
            if (change.IsEmpty)
            {
                continue;
            }

            var mutations = new List<Mutation>();
            var removed = change.Set.Keys.Concat(change.Delete).ToArray();
            if (removed.Length > 0)
            {
                mutations.Add(Mutation.Delete("options", OvsdbSet.From(removed)));
            }

            if (change.Set.Count > 0)
            {
                mutations.Add(Mutation.Insert("options", OvsdbMap.Of(change.Set)));
            }

            operations.Add(new MutateOperation(LogicalSwitchPort.Table, [Condition.Uuid(row.Uuid)], mutations));
        }

        if (operations.Count > 0)
        {
            await northbound.TransactAsync(operations, cancellationToken).ConfigureAwait(false);
        }

        return operations.Count;
    }

    private PortActivationFacts FactsOf(OvsdbRow row)
    {
        var name = row.Name ?? string.Empty;
        var announce = row.ExternalId(GuestAnnounceExternalId);
        return new PortActivationFacts(
            name,
            row.ExternalId(VhostUserExternalId) == "true" || (isVhostUser?.Invoke(row.GetMap<string, string>("external_ids")) ?? false),
            announce is null ? null : announce == "true");
    }
}
