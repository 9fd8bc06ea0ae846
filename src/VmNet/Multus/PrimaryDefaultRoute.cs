namespace VmNet.Multus;

/// <summary>
/// Whether the implicit <c>ovn</c> NIC carries the default route, decided from the pod's annotations alone (no NAD
/// lookup), so the node daemon can decide at the primary ADD even before the controller has written its
/// <c>default_route</c> keys: not when <c>ovn.kubernetes.io/default_route</c> is <c>"false"</c>, nor when any
/// secondary network asks for it (<c>default-route</c> in the selection, or <c>&lt;p&gt;.kubernetes.io/default_route:
/// "true"</c>). Agrees with <see cref="AttachmentPlanner"/> for every accepted pod.
/// </summary>
public static class PrimaryDefaultRoute
{
    private const string Suffix = ".kubernetes.io/" + AttachmentPlanner.DefaultRouteName;

    public static bool Carries(IReadOnlyDictionary<string, string>? annotations, string podNamespace)
    {
        if (annotations is null)
        {
            return true;
        }

        if (annotations.TryGetValue(ProviderNames.Ovn + Suffix, out var own) && !string.IsNullOrWhiteSpace(own))
        {
            return own.Trim() != "false";
        }

        if (annotations.Any(a => a.Key.EndsWith(Suffix, StringComparison.Ordinal) && a.Key != ProviderNames.Ovn + Suffix && a.Value.Trim() == "true"))
        {
            return false;
        }

        try
        {
            return !NetworkSelectionParser.ParseNetworks(annotations, podNamespace).Any(s => s.WantsDefaultRoute);
        }
        catch (MultusException)
        {
            // The controller rejects such a pod with an event; the daemon keeps the ordinary rule.
            return true;
        }
    }
}
