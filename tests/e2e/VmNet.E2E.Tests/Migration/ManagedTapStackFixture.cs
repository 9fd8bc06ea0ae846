using VmNet.E2E.Daemon;
using VmNet.Migration.Stack;
using VmNet.Sandbox.Qemu;

namespace VmNet.E2E.Migration;

/// <summary>
/// The full VmNet stack on the two-node rig (<see cref="MigrationStack"/>) with a pod on each node and one real QEMU
/// guest whose NIC is a managed tap on br-int (<see cref="ManagedTapLauncherBinding"/>): KubeVirt's stand-in creates
/// its launcher pods through the API and the CNI binary, then the tap takes the VM's logical port. Dual stack: the guest
/// forms its IPv6 address by SLAAC from OVN's router advertisements. Booted on node1.
/// </summary>
public sealed class ManagedTapStackFixture : MigrationStackVmFixture
{
    public const string VmName = "tvm";
    public const string VmIp = "10.16.0.210";
    public const string VmMac = "0a:00:00:10:00:d2";

    /// <summary>Dual stack: the IPv6 half is a /64, the prefix OVN's router advertises for SLAAC.</summary>
    public const string CidrValue = MigrationStack.Cidr + ",fd00:10:16::/64";

    /// <summary>The VM's IPv6 address: the /64 prefix plus the modified EUI-64 of <see cref="VmMac"/>, the address the guest forms by SLAAC.</summary>
    public const string VmIp6 = "fd00:10:16::800:ff:fe10:d2";

    public ManagedTapLauncherBinding Binding { get; } = new(TimeSpan.FromSeconds(30));

    protected override string GuestName => VmName;

    protected override string GuestAddresses => VmIp + "," + VmIp6;

    protected override string GuestIpv4 => VmIp;

    protected override string GuestMac => VmMac;

    protected override string? Cidr => CidrValue;

    protected override async Task PrepareAsync(Sandbox.Rig.Rig startedRig)
    {
        // A managed-tap guest gets IPv6 from OVN, not from KubeVirt (facts: binding-mode interplay): router advertisements
        // for SLAAC on the subnet's router port, every few seconds so a booting guest need not wait for its solicitation.
        await startedRig.Central.NbctlAsync(
        [
            "set", "Logical_Router_Port", "ovn-cluster-ovn-default", "ipv6_ra_configs:address_mode=slaac", "ipv6_ra_configs:send_periodic=true",
            "ipv6_ra_configs:max_interval=4", "ipv6_ra_configs:min_interval=3",
        ]);
    }

    protected override void ConfigureVm(KubeVirtStandIn kubeVirt) => kubeVirt.LauncherBinding = Binding;

    protected override async Task WaitGuestReachableAsync()
    {
        await base.WaitGuestReachableAsync();
        await StackAssert.EventuallyPingsAsync(Pod1, VmIp6, TimeSpan.FromSeconds(30));
    }
}
