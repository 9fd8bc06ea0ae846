namespace VmNet.ApiServer;

/// <summary>The resources a fresh server serves before any CustomResourceDefinition is created.</summary>
internal static class BuiltInResources
{
    public static IEnumerable<ResourceType> All()
    {
        yield return Core("pods", "Pod", hasStatus: true, shortNames: ["po"]) with { ReturnsDeletedObject = true, Categories = ["all"] };
        yield return Core("namespaces", "Namespace", hasStatus: true, shortNames: ["ns"], namespaced: false);
        yield return Core("nodes", "Node", hasStatus: true, shortNames: ["no"], namespaced: false);
        yield return Core("services", "Service", hasStatus: true, shortNames: ["svc"]) with { Categories = ["all"] };
        yield return Core("endpoints", "Endpoints", shortNames: ["ep"]) with { SingularName = "endpoints", AllowCreateOnUpdate = true };
        yield return Core("events", "Event", shortNames: ["ev"]);
        yield return Core("configmaps", "ConfigMap", shortNames: ["cm"]);
        yield return Core("secrets", "Secret");
        yield return Core("serviceaccounts", "ServiceAccount", shortNames: ["sa"]);
        yield return Group("discovery.k8s.io", "endpointslices", "EndpointSlice");
        yield return Group("networking.k8s.io", "networkpolicies", "NetworkPolicy", shortNames: ["netpol"]) with { SingularName = "networkpolicy" };
        yield return Group("coordination.k8s.io", "leases", "Lease") with { AllowCreateOnUpdate = true };
        yield return Group("apiextensions.k8s.io", "customresourcedefinitions", "CustomResourceDefinition", hasStatus: true, shortNames: ["crd", "crds"], namespaced: false)
            with { SingularName = "customresourcedefinition" };
    }

    private static ResourceType Core(string plural, string kind, bool hasStatus = false, IReadOnlyList<string>? shortNames = null, bool namespaced = true) =>
        Group(string.Empty, plural, kind, hasStatus, shortNames, namespaced);

    private static ResourceType Group(string group, string plural, string kind, bool hasStatus = false, IReadOnlyList<string>? shortNames = null, bool namespaced = true) =>
        new()
        {
            Group = group,
            Versions = ["v1"],
            Plural = plural,
            Kind = kind,
            Namespaced = namespaced,
            HasStatus = hasStatus,
            ShortNames = shortNames ?? [],
        };
}
