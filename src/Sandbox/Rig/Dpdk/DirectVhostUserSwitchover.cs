using VmNet.Dpdk;

namespace VmNet.Sandbox.Rig.Dpdk;

/// <summary>
/// The controller's port writes done directly with ovn-nbctl: <c>requested-chassis=src,dst</c> plus the activation
/// <see cref="VhostUserActivation.Decide"/> allows for the guest's guest_announce setting, then <c>requested-chassis=dst</c>.
/// </summary>
public sealed class DirectVhostUserSwitchover(OvnCentral central, string logicalPort, bool guestAnnounceOff) : IVhostUserSwitchover
{
    public Task BootAsync(OvsNode node, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(node);
        return central.NbctlAsync(["lsp-set-options", logicalPort, "requested-chassis=" + node.Name], cancellationToken);
    }

    public async Task<MigrationActivationDecision> BeginAsync(OvsNode source, OvsNode target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var activation = VhostUserActivation.Decide(VmNicBackend.VhostUser, guestAnnounceOff);
        string[] options = activation.Activation == MigrationActivation.Rarp
            ? ["requested-chassis=" + source.Name + "," + target.Name, "activation-strategy=rarp"]
            : ["requested-chassis=" + source.Name + "," + target.Name];
        await central.NbctlAsync(["lsp-set-options", logicalPort, .. options], cancellationToken).ConfigureAwait(false);
        return activation;
    }

    public Task CompleteAsync(OvsNode source, OvsNode target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        return central.NbctlAsync(["lsp-set-options", logicalPort, "requested-chassis=" + target.Name], cancellationToken);
    }
}
