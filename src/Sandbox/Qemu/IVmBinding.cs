using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Qemu;

/// <summary>How a VM's tap reaches br-int on a node (KubeVirt "bridge" binding or a managed tap).</summary>
public interface IVmBinding
{
    /// <summary>Extra -netdev tap options this binding needs (e.g. ",vnet_hdr=off").</summary>
    string NetdevOptions { get; }

    /// <summary>
    /// Plugs a new endpoint for a VM into <paramref name="node"/>'s br-int. <paramref name="vmName"/> (at most
    /// 8 characters, unique per rig) and <paramref name="generation"/> (distinct for endpoints that coexist)
    /// name every netns/link created; <paramref name="ifaceId"/> null leaves the OVS port unbound (set later
    /// with <see cref="VmAttachment.SetIfaceIdAsync"/>).
    /// </summary>
    Task<VmAttachment> AttachAsync(OvsNode node, string vmName, int generation, string? ifaceId, RigManifest? manifest, CancellationToken cancellationToken);
}
