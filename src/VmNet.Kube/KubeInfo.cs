namespace VmNet.Kube;

/// <summary>Well-known API groups VmNet talks to.</summary>
public static class KubeInfo
{
    public const string KubeOvnGroup = "kubeovn.io";
    public const string KubeVirtGroup = "kubevirt.io";
    public const string MultusGroup = "k8s.cni.cncf.io";
}
