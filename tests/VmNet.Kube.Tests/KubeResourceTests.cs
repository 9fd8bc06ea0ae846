namespace VmNet.Kube.Tests;

public class KubeResourceTests
{
    [Fact]
    public void CorePathsUseApiPrefix()
    {
        Assert.Equal("/api/v1/namespaces/default/pods", KubeResources.Pods.CollectionPath("default"));
        Assert.Equal("/api/v1/pods", KubeResources.Pods.CollectionPath(null));
        Assert.Equal("/api/v1/namespaces/default/pods/web-0/status", KubeResources.Pods.ObjectPath("default", "web-0", "status"));
        Assert.Equal("/api/v1/nodes/node1", KubeResources.Nodes.ObjectPath(null, "node1"));
    }

    [Fact]
    public void GroupPathsUseApisPrefix()
    {
        Assert.Equal("/apis/kubevirt.io/v1/namespaces/vms/virtualmachines/vm1", KubeResources.VirtualMachines.ObjectPath("vms", "vm1"));
        Assert.Equal("/apis/kubeovn.io/v1/subnets/ovn-default", KubeResources.Subnets.ObjectPath(null, "ovn-default"));
        Assert.Equal("/apis/k8s.cni.cncf.io/v1/namespaces/a/network-attachment-definitions", KubeResources.NetworkAttachmentDefinitions.CollectionPath("a"));
        Assert.Equal("kubevirt.io/v1", KubeResources.VirtualMachines.ApiVersion);
        Assert.Equal("v1", KubeResources.Pods.ApiVersion);
    }

    [Fact]
    public void NamespacedObjectWithoutNamespaceIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => KubeResources.Pods.ObjectPath(null, "web-0"));
        Assert.Contains("web-0", e.Message, StringComparison.Ordinal);
        Assert.Contains("namespace", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ClusterScopedResourceWithNamespaceIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => KubeResources.Subnets.CollectionPath("default"));
        Assert.Contains("cluster-scoped", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("x?watch=1")]
    [InlineData("")]
    public void NamesThatWouldChangeThePathAreRejected(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => KubeResources.Nodes.ObjectPath(null, name));
        Assert.Contains($"'{name}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryModelKnowsItsResource()
    {
        Assert.Same(KubeResources.Pods, Models.V1Pod.Resource);
        Assert.Same(KubeResources.VirtualMachineInstanceMigrations, Models.V1VirtualMachineInstanceMigration.Resource);
        Assert.Same(KubeResources.Ips, Models.V1IP.Resource);
        Assert.Equal(16, KubeResources.All.Count);
        Assert.Equal(KubeResources.All.Count, KubeResources.All.Select(r => (r.Group, r.Plural)).Distinct().Count());
    }
}
