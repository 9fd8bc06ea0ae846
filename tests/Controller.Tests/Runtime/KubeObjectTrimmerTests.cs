using VmNet.Controller.Runtime.Kube;
using VmNet.Kube.Models;
using VmNet.Kube.Serialization;

namespace VmNet.Controller.Tests.Runtime;

public class KubeObjectTrimmerTests
{
    private const string PodJson = """
        {
          "apiVersion": "v1", "kind": "Pod",
          "metadata": {
            "name": "NAME", "namespace": "ns1", "uid": "u-NAME", "resourceVersion": "7",
            "labels": { "app": "web" },
            "annotations": { "ovn.kubernetes.io/ip_address": "10.16.0.5" },
            "ownerReferences": [ { "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "rs-1", "controller": true } ],
            "managedFields": [ { "manager": "kubelet", "operation": "Update", "fieldsV1": { "f:status": { "f:phase": {} } } } ]
          },
          "spec": { "nodeName": "node-1", "hostNetwork": false, "containers": [ { "name": "c", "image": "busybox" } ], "tolerations": [ {} ] },
          "status": { "phase": "Running", "podIP": "10.16.0.5", "podIPs": [ { "ip": "10.16.0.5" } ], "conditions": [ { "type": "Ready", "status": "True" } ], "qosClass": "BestEffort" }
        }
        """;

    [Fact]
    public void TrimPodKeepsWhatNetworkingReadsAndDropsTheRest()
    {
        var pod = KubeObjectTrimmer.TrimPod(Parse("a"));
        var meta = pod.Metadata!;
        Assert.Empty(meta.AdditionalProperties);
        Assert.Equal("web", meta.Labels!["app"]);
        Assert.Equal("10.16.0.5", meta.Annotations!["ovn.kubernetes.io/ip_address"]);
        Assert.Equal("rs-1", Assert.Single(meta.OwnerReferences!).Uid);
        Assert.Equal("7", meta.ResourceVersion);
        Assert.Equal("node-1", pod.Spec!.NodeName);
        Assert.False(pod.Spec.HostNetwork);
        Assert.Null(pod.Spec.Containers);
        Assert.Empty(pod.Spec.AdditionalProperties);
        Assert.Equal("Running", pod.Status!.Phase);
        Assert.Equal("10.16.0.5", Assert.Single(pod.Status.PodIPs!).Ip);
        Assert.Null(pod.Status.Conditions);
        Assert.Empty(pod.Status.AdditionalProperties);
    }

    [Fact]
    public void RepeatedStringsAreSharedBetweenPods()
    {
        var a = KubeObjectTrimmer.TrimPod(Parse("a"));
        var b = KubeObjectTrimmer.TrimPod(Parse("b"));
        Assert.Same(a.Metadata!.Namespace, b.Metadata!.Namespace);
        Assert.Same(a.Spec!.NodeName, b.Spec!.NodeName);
        Assert.Same(a.Metadata.Labels!.Keys.Single(), b.Metadata.Labels!.Keys.Single());
        Assert.Same(a.Metadata.Labels["app"], b.Metadata.Labels["app"]);
        Assert.Same(a.Metadata.Annotations!.Keys.Single(), b.Metadata.Annotations!.Keys.Single());
        Assert.Same(a.Metadata.OwnerReferences![0].Name, b.Metadata.OwnerReferences![0].Name);
        Assert.NotSame(a.Metadata.Name, b.Metadata.Name);
    }

    [Fact]
    public void StringPoolStopsGrowingAtItsCapacity()
    {
        var pool = new StringPool(capacity: 2);
        pool.Intern("a");
        pool.Intern("b");
        var c = new string('c', 1);
        Assert.Same(c, pool.Intern(c));
        Assert.Equal(2, pool.Count);
    }

    private static V1Pod Parse(string name) => KubeJson.Deserialize<V1Pod>(PodJson.Replace("NAME", name, StringComparison.Ordinal))!;
}
