using VmNet.Addressing;
using VmNet.Ipam;
using VmNet.Multus;

namespace VmNet.Controller.Attachments;

/// <summary>An attachment with its subnet found and its user input validated, ready to allocate under <see cref="PortName"/>.</summary>
public sealed record PreparedAttachment(Attachment Attachment, string PortName, SubnetIpam Ipam, SubnetAddressing Subnet, AddressRequest Request)
{
    /// <summary>The serving Subnet has an OVN provider (Kube-OVN's <c>isOvnSubnet</c>): it gets the <c>logical_switch</c> key.</summary>
    public bool OnOvnSubnet { get; init; } = true;
}

/// <summary>Outcome of preparing or allocating a pod's attachments; nothing is allocated unless all succeed.</summary>
public abstract record AttachmentOutcome
{
    public sealed record Ready(IReadOnlyList<PreparedAttachment> Attachments) : AttachmentOutcome;

    public sealed record Rejected(string Field, string Value, string Message) : AttachmentOutcome;

    public sealed record Waiting(string Message) : AttachmentOutcome;
}
