namespace VmNet.Sandbox.Demo;

/// <summary>A virt-launcher pod as created in the API: where it is scheduled and which Multus networks it asks for.</summary>
public sealed record LauncherPodSpec(string Namespace, string Name, string Uid, string Vm, string Node, IReadOnlyList<SecondaryNetwork> SecondaryNetworks);

/// <summary>One Multus secondary network of a VM: the VMI network name, the NAD, and the pod interface KubeVirt names for it.</summary>
public sealed record SecondaryNetwork(string VmiNetwork, string Name, string Namespace, string Interface)
{
    /// <summary>Kube-OVN's provider for a NAD of type kube-ovn: &lt;nad&gt;.&lt;namespace&gt;.ovn.</summary>
    public string Provider => $"{Name}.{Namespace}.ovn";
}
