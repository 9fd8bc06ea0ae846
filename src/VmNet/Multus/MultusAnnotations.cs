namespace VmNet.Multus;

/// <summary>The Multus pod annotation keys (facts §2.3).</summary>
public static class MultusAnnotations
{
    public const string Networks = "k8s.v1.cni.cncf.io/networks";
    public const string DefaultNetwork = "v1.multus-cni.io/default-network";
    public const string NetworkStatus = "k8s.v1.cni.cncf.io/network-status";

    /// <summary>
    /// A <c>v1.multus-cni.io/default-network</c> NAD replaces the implicit <c>ovn</c> network (facts §2.3): the primary
    /// addressing leaves such a pod to the attachments (which also report a malformed value).
    /// </summary>
    public static bool ReplacesImplicitOvn(IReadOnlyDictionary<string, string>? annotations) =>
        annotations is not null && annotations.TryGetValue(DefaultNetwork, out var value) && !string.IsNullOrWhiteSpace(value);
}
