using VmNet.Addressing;
using VmNet.Multus;

namespace VmNet.Controller.Attachments;

/// <summary>
/// The allocation annotations of every attachment (the same keys Kube-OVN writes, facts §2.2, under each
/// attachment's provider), the default-route decision of each NIC for the daemon, and removal of the keys of
/// attachments no longer selected.
/// </summary>
public static class AttachmentAnnotations
{
    private static readonly string[] OvnOnlyNames = [AnnotationKeys.PodNicType, AnnotationKeys.LogicalRouter, AnnotationKeys.Routed];

    public static Dictionary<string, string?> Build(
        IReadOnlyList<AttachmentAllocator.Allocated> allocations,
        AttachmentPlan plan,
        IReadOnlyDictionary<string, string>? current,
        string? vmName,
        bool routed)
    {
        ArgumentNullException.ThrowIfNull(allocations);
        ArgumentNullException.ThrowIfNull(plan);
        var desired = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var allocated in allocations)
        {
            var attachment = allocated.Prepared.Attachment;
            var keys = AllocationAnnotations.Build(allocated.Allocation, allocated.Prepared.Subnet, current, vmName, routed && attachment.HasPort);
            if (!attachment.HasPort)
            {
                // IPAM-only: an address, no OVN port, so none of the port's keys. Like Kube-OVN (facts §2.2),
                // logical_switch is written only when an OVN subnet serves it (chosen by the pod's own
                // <p>.kubernetes.io/logical_switch, which we never remove); a non-OVN subnet's name is not written.
                foreach (var name in OvnOnlyNames)
                {
                    keys.Remove(AnnotationKeys.For(name, attachment.Provider));
                }

                if (!allocated.Prepared.OnOvnSubnet)
                {
                    keys.Remove(AnnotationKeys.For(AnnotationKeys.LogicalSwitch, attachment.Provider));
                }
            }

            foreach (var (key, value) in keys)
            {
                desired[key] = value;
            }

            SetDefaultRoute(desired, current, attachment.Provider, attachment.DefaultRoute);
        }

        if (plan.HasImplicitOvn)
        {
            SetDefaultRoute(desired, current, AnnotationKeys.DefaultProvider, plan.ImplicitOvnDefaultRoute);
        }

        return desired;
    }

    /// <summary>Null values (merge-patch removals) for every key of <paramref name="provider"/> the pod carries.</summary>
    public static void RemoveAll(Dictionary<string, string?> changes, IReadOnlyDictionary<string, string>? current, string provider)
    {
        if (current is null)
        {
            return;
        }

        var prefix = provider + ".kubernetes.io/";
        foreach (var key in current.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && k.IndexOf('/', prefix.Length) < 0))
        {
            changes[key] = null;
        }
    }

    /// <summary>
    /// Written only where the daemon's own default (default route on <c>eth0</c> only) would be wrong or the user
    /// has not said it, so a user's explicit value is never overwritten.
    /// </summary>
    private static void SetDefaultRoute(Dictionary<string, string?> desired, IReadOnlyDictionary<string, string>? current, string provider, bool value)
    {
        var key = $"{provider}.kubernetes.io/{AttachmentPlanner.DefaultRouteName}";
        if (current is not null && current.TryGetValue(key, out var existing) && !string.IsNullOrWhiteSpace(existing))
        {
            return;
        }

        desired[key] = value ? "true" : "false";
    }
}
