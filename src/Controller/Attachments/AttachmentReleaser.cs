using Microsoft.Extensions.Logging;
using VmNet.Addressing;
using VmNet.Controller.Ips;
using VmNet.Controller.Pods;
using VmNet.Ipam;
using VmNet.Kube.Models;
using VmNet.Multus;

namespace VmNet.Controller.Attachments;

/// <summary>
/// Releases attachment addresses through their IP CRs (the IP reconciler then deletes the port and frees IPAM):
/// all of a deleted pod's, the ones whose attachment left the selection, and a deleted VM's (keep-vm-ip keeps
/// every NIC of a VM across launcher restarts; only VM deletion releases them). The primary <c>ovn</c> port is
/// never touched here.
/// </summary>
public sealed class AttachmentReleaser(AddressingContext context)
{
    /// <summary>IP CR index: <c>ns/podName</c> (the VM name for VM CRs).</summary>
    public const string IpsByOwnerIndex = "vmnet/ip-owner";

    public static IEnumerable<string> IndexIpByOwner(V1IP ip) =>
        ip.Spec is { Namespace: { Length: > 0 } ns, PodName: { Length: > 0 } owner } ? [PortNames.OwnerKey(ns, owner)] : [];

    /// <summary>An ordinary pod is gone: its attachment CRs go. A VM launcher's stay (the VM decides).</summary>
    public async Task ReleaseGonePodAsync(string ns, string name, CancellationToken cancellationToken)
    {
        foreach (var ip in AttachmentIpsOf(ns, name, IpCrLabels.PodOwner))
        {
            await ReleasePortAsync(ip.Metadata!.Name!, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A VM is deleted for good: every attachment CR of the VM goes.</summary>
    public async Task ReleaseVmAsync(string ns, string vmName, CancellationToken cancellationToken)
    {
        foreach (var ip in AttachmentIpsOf(ns, vmName, IpCrLabels.VirtualMachineOwner))
        {
            await ReleasePortAsync(ip.Metadata!.Name!, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Releases the pod's/VM's attachment CRs whose provider the plan no longer has; returns those providers.</summary>
    public async Task<IReadOnlyList<string>> ReleaseUnselectedAsync(PodFacts facts, AttachmentPlan plan, CancellationToken cancellationToken)
    {
        var wanted = plan.Attachments.Select(a => PortNames.PortName(facts.OwnerName, facts.Namespace, a.Provider)).ToHashSet(StringComparer.Ordinal);
        var prefix = $"{facts.OwnerName}.{facts.Namespace}.";
        var removed = new List<string>();
        foreach (var ip in AttachmentIpsOf(facts.Namespace, facts.OwnerName, facts.OwnerKind))
        {
            var name = ip.Metadata!.Name!;
            if (wanted.Contains(name) || !name.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            context.Logger.LogInformation("{Ns}/{Owner}: attachment {Port} is no longer selected; releasing", facts.Namespace, facts.OwnerName, name);
            await ReleasePortAsync(name, cancellationToken).ConfigureAwait(false);
            removed.Add(name[prefix.Length..]);
        }

        return removed;
    }

    /// <summary>A stopped VM's attachment CRs whose NAD its template no longer selects; returns their port names.</summary>
    public async Task<IReadOnlyList<string>> ReleaseNotInTemplateAsync(string ns, string vmName, VmTemplateNetworks template, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(template);
        var prefix = $"{vmName}.{ns}.";
        var released = new List<string>();
        foreach (var ip in AttachmentIpsOf(ns, vmName, IpCrLabels.VirtualMachineOwner))
        {
            var name = ip.Metadata!.Name!;
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || template.Selects(name[prefix.Length..]))
            {
                continue;
            }

            context.Logger.LogInformation("{Ns}/{Vm}: attachment {Port} is no longer in the stopped VM's template; releasing", ns, vmName, name);
            await ReleasePortAsync(name, cancellationToken).ConfigureAwait(false);
            released.Add(name);
        }

        return released;
    }

    public async Task ReleasePortAsync(string portName, CancellationToken cancellationToken)
    {
        using (await context.Locks.AcquireAsync(portName, cancellationToken).ConfigureAwait(false))
        {
            var ip = context.Ips.Indexer.Get(portName) ?? await context.IpWriter.GetAsync(portName, cancellationToken).ConfigureAwait(false);
            if (ip is not null)
            {
                if (!IpResources.IsDeleting(ip))
                {
                    await context.IpWriter.DeleteAsync(portName, cancellationToken).ConfigureAwait(false);
                }

                return;
            }

            // Allocated in memory but never persisted.
            await context.Ports.DeleteAsync(portName, cancellationToken).ConfigureAwait(false);
            context.Ipam.ReleaseNic(portName);
        }
    }

    /// <summary>CRs we created for attachments of that owner: not the primary port, not reservations.</summary>
    private IEnumerable<V1IP> AttachmentIpsOf(string ns, string owner, string ownerKind)
    {
        var primary = PortNames.PortName(owner, ns, AnnotationKeys.DefaultProvider);
        return context.Ips.Indexer.ByIndex(IpsByOwnerIndex, PortNames.OwnerKey(ns, owner))
            .Where(ip => ip.Metadata?.Name is { } name && name != primary
                && IpResources.OwnerKind(ip) == ownerKind && !IpResources.IsReserved(ip) && !IpResources.IsDeleting(ip))
            .ToList();
    }
}
