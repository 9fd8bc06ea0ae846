namespace VmNet.Ipam;

/// <summary>
/// One persisted allocation, as read from an IP custom resource at controller start: subnet, NIC key
/// (the IP CR name), owner key (<c>ns/podName</c>, the VM name for VMs), addresses, MAC and
/// <c>podType</c> (<c>""</c>, <c>StatefulSet</c>, <c>VirtualMachine</c>).
/// </summary>
public sealed record IpamRecord(string Subnet, string NicKey, string OwnerKey, IReadOnlyList<string> Ips, string? Mac, string PodType = "")
{
    public const string VirtualMachine = "VirtualMachine";
    public const string StatefulSet = "StatefulSet";
}

/// <summary>A record <see cref="IpamRegistry.Rebuild"/> did not register, and why.</summary>
public sealed record RebuildConflict(IpamRecord Record, string Reason, string? ConflictingOwner);

/// <summary>
/// Outcome of a rebuild. Conflicting records are never merged: the record registered first (VMs, then
/// StatefulSets, then other pods; NIC key order within each) keeps the address, each loser is listed here
/// and holds nothing, so the controller can re-allocate it or raise an event.
/// </summary>
public sealed record RebuildReport(int Registered, IReadOnlyList<RebuildConflict> Conflicts);
