using VmNet.Kube.Models;

namespace VmNet.Kube.Tests;

public class KubeObjectExtensionsTests
{
    [Fact]
    public void OwnerReferenceComesFromTheOwnersResourceAndUid()
    {
        var node = new V1Node { Metadata = new V1ObjectMeta { Name = "node1", Uid = "u-1" } };

        var owner = node.ToOwnerReference(controller: true);

        Assert.Equal(("v1", "Node", "node1", "u-1"), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid));
        Assert.True(owner.Controller);
        Assert.Null(owner.BlockOwnerDeletion);
    }

    [Fact]
    public void OwnerWithoutUidIsRejected()
    {
        var vm = new V1VirtualMachine { Metadata = new V1ObjectMeta { Name = "db-0", Namespace = "t" } };

        var e = Assert.Throws<ArgumentException>(() => vm.ToOwnerReference());

        Assert.Contains("VirtualMachine 'db-0' has no metadata.uid", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ObjectReferenceKeepsNamespaceOnlyForNamespacedKinds()
    {
        var vmi = new V1VirtualMachineInstance { Metadata = new V1ObjectMeta { Name = "db-0", Namespace = "t", Uid = "u", ResourceVersion = "9" } };
        var subnet = new V1Subnet { Metadata = new V1ObjectMeta { Name = "s1", Namespace = "ignored" } };

        var vmiRef = vmi.ToObjectReference();
        var subnetRef = subnet.ToObjectReference();

        Assert.Equal(("kubevirt.io/v1", "VirtualMachineInstance", "t", "9"), (vmiRef.ApiVersion, vmiRef.Kind, vmiRef.Namespace, vmiRef.ResourceVersion));
        Assert.Null(subnetRef.Namespace);
        Assert.Equal("kubeovn.io/v1", subnetRef.ApiVersion);
    }

    [Fact]
    public void KeysFollowClientGo()
    {
        Assert.Equal("t/db-0", new V1Pod { Metadata = new V1ObjectMeta { Name = "db-0", Namespace = "t" } }.GetKey());
        Assert.Equal("ovn-default", new V1Subnet { Metadata = new V1ObjectMeta { Name = "ovn-default" } }.GetKey());
        Assert.Throws<ArgumentException>(() => new V1Pod().GetKey());
    }

    [Fact]
    public void ControllerOwnerIsFound()
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = "virt-launcher-db-0-x",
                OwnerReferences =
                [
                    new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = "n", Uid = "1" },
                    new V1OwnerReference { ApiVersion = "kubevirt.io/v1", Kind = "VirtualMachineInstance", Name = "db-0", Uid = "2", Controller = true },
                ],
            },
        };

        Assert.Equal("db-0", pod.GetControllerOf()!.Name);
        Assert.Null(new V1Pod { Metadata = new V1ObjectMeta { Name = "p" } }.GetControllerOf());
    }
}
