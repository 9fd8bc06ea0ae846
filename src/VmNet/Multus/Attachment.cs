namespace VmNet.Multus;

/// <summary>
/// One network of a pod that we serve besides (or instead of) the implicit <c>ovn</c> one: the selection it came
/// from, its kind, the provider its annotation keys / port name use, the provider its Subnet must carry (the
/// provider without the per-interface suffix), the pod interface Multus gives it and whether it carries the
/// default route.
/// </summary>
public sealed record Attachment(NetworkSelection Selection, NadKind Kind, string Provider, string SubnetProvider, string InterfaceName)
{
    public bool DefaultRoute { get; init; }

    /// <summary>Chosen by <c>v1.multus-cni.io/default-network</c>: the pod's <c>eth0</c>.</summary>
    public bool IsDefaultNetwork { get; init; }

    /// <summary>True when the attachment gets a Logical_Switch_Port (IPAM-only ones get an IP CR only).</summary>
    public bool HasPort => Kind == NadKind.Ovn;
}

/// <summary>
/// Every network of a pod we serve: whether the implicit <c>ovn</c> network exists (not when a default-network
/// NAD replaces it) and whether it carries the default route, plus the attachments.
/// </summary>
public sealed record AttachmentPlan(bool HasImplicitOvn, bool ImplicitOvnDefaultRoute, IReadOnlyList<Attachment> Attachments)
{
    public static readonly AttachmentPlan DefaultOnly = new(true, true, []);

    public Attachment? Find(string provider) => Attachments.FirstOrDefault(a => a.Provider == provider);
}
