using VmNet.Controller.Hosting;
using Microsoft.Extensions.Logging;
using VmNet.Addressing;
using VmNet.Controller.Ips;
using VmNet.Controller.Pods;
using VmNet.Controller.Runtime.Informers;
using VmNet.Controller.Runtime.Queue;
using VmNet.KubeVirt;

namespace VmNet.Controller.VirtualMachines;

/// <summary>
/// keep-vm-ip (facts §5.2): on every VM, VMI or launcher-pod change of a VM (key <c>ns/vm</c>) decides whether
/// its port, IP CR and addresses stay (stop, restart, launcher deletion, eviction, node loss) or go (VM deleted,
/// or its subnet changed while stopped). Releasing deletes the IP CR; <see cref="IpReconciler"/> does the rest.
/// </summary>
public sealed class VmAddressReconciler(AddressingContext context) : IReconciler
{
    public string Name => "vm-addressing";

    private readonly VmStateReader _reader = new(context);

    public async Task<ReconcileResult> ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        var (ns, vmName) = ObjectKeys.Split(key);
        var portName = VmStateReader.PortName(ns, vmName);
        using (await context.Locks.AcquireAsync(portName, cancellationToken).ConfigureAwait(false))
        {
            var ip = context.Ips.Indexer.Get(portName);
            if (ip is null || IpResources.IsDeleting(ip) || IpResources.OwnerKind(ip) != IpCrLabels.VirtualMachineOwner || IpResources.IsReserved(ip))
            {
                return ReconcileResult.Success;
            }

            var state = _reader.Read(ns, vmName);
            var fate = KeepVmIpDecision.Decide(state, ip.Spec?.Subnet ?? string.Empty);
            if (fate == VmAddressFate.Keep)
            {
                return ReconcileResult.Success;
            }

            context.Logger.LogInformation("VM {Key}: releasing {Port} ({Fate})", key, portName, fate);
            await context.IpWriter.DeleteAsync(portName, cancellationToken).ConfigureAwait(false);
            return ReconcileResult.Success;
        }
    }
}
