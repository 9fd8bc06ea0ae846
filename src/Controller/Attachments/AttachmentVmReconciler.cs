using VmNet.Controller.Hosting;
using VmNet.Controller.Pods;
using VmNet.Controller.Runtime.Informers;
using VmNet.Controller.Runtime.Queue;
using VmNet.Controller.VirtualMachines;
using VmNet.KubeVirt;
using VmNet.Multus;

namespace VmNet.Controller.Attachments;

/// <summary>
/// keep-vm-ip for secondary NICs (facts §5.2): on a VM key, releases all its attachment CRs once the VM is deleted;
/// while the VM is stopped (no live launcher), releases the attachments its template no longer selects (Kube-OVN
/// prunes those when the launcher goes, and at the next start). Kept attachments keep their IP and MAC.
/// </summary>
public sealed class AttachmentVmReconciler(AddressingContext context) : IReconciler
{
    private readonly VmStateReader _reader = new(context);
    private readonly AttachmentReleaser _releaser = new(context);

    public string Name => "vm-attachments";

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var (ns, vmName) = ObjectKeys.Split(key);
        var state = _reader.Read(ns, vmName);
        // The subnet argument only matters for the primary network's subnet-change rule; attachments keep their
        // addresses until the VM itself is deleted or stops selecting them.
        if (KeepVmIpDecision.Decide(state, string.Empty) == VmAddressFate.ReleaseVmDeleted)
        {
            await _releaser.ReleaseVmAsync(ns, vmName, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Success;
        }

        if (state is { VmKnown: true, VmExists: true, VmDeleting: false, HasLiveLauncherPod: false }
            && context.VirtualMachines?.Indexer.Get(ns, vmName) is { } vm)
        {
            var template = vm.Spec?.Template;
            var networks = VmTemplateNetworks.From(
                ns,
                template?.Metadata?.Annotations,
                (template?.Spec?.Networks ?? []).Select(n => n.Multus?.NetworkName ?? string.Empty));
            if (networks is not null)
            {
                await _releaser.ReleaseNotInTemplateAsync(ns, vmName, networks, cancellationToken).ConfigureAwait(false);
            }
        }

        return ReconcileResult.Success;
    }
}
