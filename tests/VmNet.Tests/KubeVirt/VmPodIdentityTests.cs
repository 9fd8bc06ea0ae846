using VmNet.KubeVirt;

namespace VmNet.Tests.KubeVirt;

public sealed class VmPodIdentityTests
{
    [Fact]
    public void LauncherOwnedByAVmiIsAVmPodNamedAfterTheVm()
    {
        var vm = VmPodIdentity.Recognize("ns1", [new OwnerReference("kubevirt.io/v1", "VirtualMachineInstance", "vm1")], null);
        Assert.NotNull(vm);
        Assert.Equal("vm1.ns1", vm.PortName());
        Assert.Equal("ns1/vm1", vm.OwnerKey);
        Assert.Equal("vm1.ns1.net1.ns1.ovn", vm.PortName("net1.ns1.ovn"));
        Assert.False(vm.IsMigrationTarget);
    }

    [Theory]
    [InlineData("pool.kubevirt.io/v1alpha1", "VirtualMachineInstance")]
    [InlineData("kubevirt.io/v1", "VirtualMachine")]
    [InlineData("apps/v1", "ReplicaSet")]
    public void OtherOwnersAreOrdinaryPods(string apiVersion, string kind) =>
        Assert.Null(VmPodIdentity.Recognize("ns1", [new OwnerReference(apiVersion, kind, "x")], null));

    [Fact]
    public void MigrationJobAnnotationMarksTheTarget()
    {
        var vm = VmPodIdentity.Recognize("ns1", [new OwnerReference("kubevirt.io/v1", "VirtualMachineInstance", "vm1")], new Dictionary<string, string> { ["kubevirt.io/migrationJobName"] = "job" });
        Assert.True(vm!.IsMigrationTarget);
    }

    [Fact]
    public void VmOwnerOfAVmi() =>
        Assert.Equal("vm1", VmPodIdentity.VmOwnerOf([new OwnerReference("kubevirt.io/v1", "VirtualMachine", "vm1")]));
}
