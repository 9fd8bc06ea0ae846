namespace VmNet.Multus;

/// <summary>The Multus pod annotation keys (facts §2.3).</summary>
public static class MultusAnnotations
{
    public const string Networks = "k8s.v1.cni.cncf.io/networks";
    public const string DefaultNetwork = "v1.multus-cni.io/default-network";
    public const string NetworkStatus = "k8s.v1.cni.cncf.io/network-status";
}
