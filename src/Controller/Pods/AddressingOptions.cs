namespace VmNet.Controller.Pods;

/// <summary>Settings of pod/VM addressing (Kube-OVN flag names in the comments).</summary>
public sealed record AddressingOptions
{
    /// <summary><c>--default-ls</c>: the subnet of pods whose namespace binds none.</summary>
    public string DefaultSubnet { get; init; } = "ovn-default";

    /// <summary><c>--keep-vm-ip</c>: VM launcher pods use the VM's port and keep its addresses.</summary>
    public bool KeepVmIp { get; init; } = true;

    /// <summary>Reconcile workers per queue.</summary>
    public int Workers { get; init; } = 8;

    /// <summary>Period of the garbage collector's mark-and-sweep passes.</summary>
    public TimeSpan GcInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Retry delay while a pod waits for its subnet (CR, IPAM or logical switch) to appear.</summary>
    public TimeSpan SubnetWaitDelay { get; init; } = TimeSpan.FromSeconds(2);
}
