namespace VmNet.Multus;

/// <summary>
/// One element of <c>k8s.v1.cni.cncf.io/networks</c> (or <c>v1.multus-cni.io/default-network</c>): the NAD
/// reference, the pod interface name when given, and the element's own static <c>ips</c>/<c>mac</c> and
/// <c>default-route</c> gateways. <see cref="Namespace"/> is already defaulted to the pod's namespace.
/// </summary>
public sealed record NetworkSelection(string Namespace, string Name)
{
    public string? Interface { get; init; }

    public string? Mac { get; init; }

    public IReadOnlyList<string> Ips { get; init; } = [];

    /// <summary>Gateways listed in <c>default-route</c>; non-empty means this NIC asks for the default route.</summary>
    public IReadOnlyList<string> DefaultRoute { get; init; } = [];

    public string NadKey => $"{Namespace}/{Name}";

    public bool WantsDefaultRoute => DefaultRoute.Count > 0;
}
