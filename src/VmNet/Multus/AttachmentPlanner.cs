namespace VmNet.Multus;

/// <summary>
/// Turns a pod's Multus annotations and the NADs they name into the networks we serve. Pure: NADs come through
/// <c>lookup</c> (null for a missing NAD). Default route rule: at most one NIC may ask for it explicitly (selection
/// <c>default-route</c> or <c>&lt;p&gt;.kubernetes.io/default_route: "true"</c>); a secondary NIC that asks takes
/// it from the primary; without any request the primary (<c>eth0</c>) has it unless its own annotation says
/// <c>"false"</c>.
/// </summary>
public static class AttachmentPlanner
{
    public const string DefaultRouteName = "default_route";

    public static AttachmentPlan Plan(string podNamespace, IReadOnlyDictionary<string, string>? annotations, Func<string, string, NadConfig?> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        var selections = NetworkSelectionParser.ParseNetworks(annotations, podNamespace);
        var defaultSelection = NetworkSelectionParser.ParseDefaultNetwork(annotations, podNamespace);
        if (selections.Count == 0 && defaultSelection is null)
        {
            return ExplicitDefaultRoute(annotations, ProviderNames.Ovn) == false ? new AttachmentPlan(true, false, []) : AttachmentPlan.DefaultOnly;
        }

        var attachments = new List<Attachment>();
        var hasImplicitOvn = true;
        if (defaultSelection is not null)
        {
            var config = Resolve(MultusAnnotations.DefaultNetwork, defaultSelection, lookup);
            if (config.Kind != NadKind.Foreign)
            {
                var provider = ProviderFor(defaultSelection, config.Kind, perInterface: false);
                attachments.Add(new Attachment(defaultSelection, config.Kind, provider, provider, "eth0") { IsDefaultNetwork = true });
            }

            // Whoever serves it, a default-network NAD replaces the implicit ovn network (facts §6).
            hasImplicitOvn = false;
        }

        var timesAttached = selections.GroupBy(s => s.NadKey, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        for (var i = 0; i < selections.Count; i++)
        {
            var selection = selections[i];
            var config = Resolve(MultusAnnotations.Networks, selection, lookup);
            if (config.Kind == NadKind.Foreign)
            {
                continue;
            }

            var perInterface = timesAttached[selection.NadKey] > 1 && selection.Interface is not null;
            var provider = ProviderFor(selection, config.Kind, perInterface);
            // Multus names unnamed secondary interfaces by position: net1, net2, ...
            attachments.Add(new Attachment(selection, config.Kind, provider, ProviderNames.SubnetProviderOf(provider), selection.Interface ?? $"net{i + 1}"));
        }

        return ChooseDefaultRoute(annotations, hasImplicitOvn, attachments);
    }

    private static NadConfig Resolve(string field, NetworkSelection selection, Func<string, string, NadConfig?> lookup) =>
        lookup(selection.Namespace, selection.Name)
            ?? throw new MultusException(field, selection.NadKey, "names a NetworkAttachmentDefinition that does not exist");

    private static string ProviderFor(NetworkSelection selection, NadKind kind, bool perInterface) => kind == NadKind.Ovn
        ? ProviderNames.OvnAttachment(selection.Name, selection.Namespace, perInterface ? selection.Interface : null)
        : ProviderNames.IpamOnly(selection.Name, selection.Namespace);

    private static AttachmentPlan ChooseDefaultRoute(IReadOnlyDictionary<string, string>? annotations, bool hasImplicitOvn, List<Attachment> attachments)
    {
        var primaryExplicit = hasImplicitOvn ? ExplicitDefaultRoute(annotations, ProviderNames.Ovn) : null;
        var requests = new List<string>();
        if (primaryExplicit == true)
        {
            requests.Add(ProviderNames.Ovn);
        }

        var wants = new bool[attachments.Count];
        for (var i = 0; i < attachments.Count; i++)
        {
            var explicitValue = ExplicitDefaultRoute(annotations, attachments[i].Provider);
            if (explicitValue == true || (explicitValue is null && attachments[i].Selection.WantsDefaultRoute))
            {
                wants[i] = true;
                requests.Add(attachments[i].Provider);
            }
        }

        if (requests.Count > 1)
        {
            throw new MultusException(
                $"{string.Join(", ", requests.Select(p => $"{p}.kubernetes.io/{DefaultRouteName}"))} / {MultusAnnotations.Networks} default-route",
                string.Join(",", requests),
                "asks for the default route on more than one NIC; choose one");
        }

        var defaultNetwork = attachments.FindIndex(a => a.IsDefaultNetwork);
        if (requests.Count == 0 && defaultNetwork >= 0 && ExplicitDefaultRoute(annotations, attachments[defaultNetwork].Provider) != false)
        {
            wants[defaultNetwork] = true;
        }

        var primaryRoute = hasImplicitOvn && (primaryExplicit == true || (requests.Count == 0 && primaryExplicit != false));
        var planned = attachments.Select((a, i) => a with { DefaultRoute = wants[i] }).ToList();
        return new AttachmentPlan(hasImplicitOvn, primaryRoute, planned);
    }

    private static bool? ExplicitDefaultRoute(IReadOnlyDictionary<string, string>? annotations, string provider)
    {
        var key = $"{provider}.kubernetes.io/{DefaultRouteName}";
        if (annotations is null || !annotations.TryGetValue(key, out var value) || string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        return value.Trim() switch
        {
            "true" => true,
            "false" => false,
            _ => throw new MultusException(key, value, "must be \"true\" or \"false\""),
        };
    }
}
