namespace VmNet.E2E.Migration;

/// <summary>
/// The full VmNet stack on the two-node rig (<see cref="MigrationStack"/>: API server, our controller, our daemons,
/// the CNI binary) with a pod on each node and one real QEMU guest, whose launcher pods KubeVirt's stand-in creates
/// through the API and the CNI binary. The VM is booted once on node1 and shared by the class's tests.
/// </summary>
public sealed class StackMigrationFixture : MigrationStackVmFixture
{
    public const string VmName = "mvm";
    public const string VmIp = "10.16.0.200";
    public const string VmMac = "0a:00:00:10:00:c8";

    protected override string GuestName => VmName;

    protected override string GuestAddresses => VmIp;

    protected override string GuestIpv4 => VmIp;

    protected override string GuestMac => VmMac;
}
