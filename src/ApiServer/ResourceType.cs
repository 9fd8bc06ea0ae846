namespace VmNet.ApiServer;

/// <summary>Identifies a stored resource independent of the version it is served in (as etcd keys do).</summary>
public readonly record struct GroupResource(string Group, string Resource)
{
    public override string ToString() => Group.Length == 0 ? Resource : $"{Resource}.{Group}";
}

/// <summary>A column a CustomResourceDefinition asks to print in table output.</summary>
public sealed record PrinterColumn(string Name, string Type, string JsonPath, string Description = "", int Priority = 0, string Format = "");

/// <summary>
/// One served resource: its group, versions, names and scope. Immutable; re-registering replaces it.
/// </summary>
public sealed record ResourceType
{
    public static readonly IReadOnlyList<string> DefaultVerbs =
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public required string Group { get; init; }

    /// <summary>Served versions, first one preferred.</summary>
    public required IReadOnlyList<string> Versions { get; init; }

    public required string Plural { get; init; }

    public required string Kind { get; init; }

    public bool Namespaced { get; init; } = true;

    public bool HasStatus { get; init; }

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    public IReadOnlyList<PrinterColumn> PrinterColumns { get; init; } = [];

    /// <summary>The storage version's openAPIV3Schema of a CRD (pruning and defaults when enabled).</summary>
    public System.Text.Json.JsonElement? OpenApiSchema { get; init; }

    /// <summary>True when objects were defined through a CustomResourceDefinition (affects generation and create rules).</summary>
    public bool IsCustom { get; init; }

    /// <summary>Whether DELETE answers with the deleted object (pods, custom resources) or a Status.</summary>
    public bool ReturnsDeletedObject { get; init; }

    /// <summary>PUT of a missing object creates it (leases and endpoints on the real server); otherwise 404.</summary>
    public bool AllowCreateOnUpdate { get; init; }

    public string? SingularName { get; init; }

    public string Singular => SingularName ?? Kind.ToLowerInvariant();

    public string ListKind => Kind + "List";

    /// <summary>The version objects are stored in; objects served in another version only change apiVersion.</summary>
    public string StorageVersion => Versions[0];

    public GroupResource GroupResource => new(Group, Plural);

    /// <summary>Name used in error messages: "pods" or "subnets.kubeovn.io".</summary>
    public string QualifiedName => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public string ApiVersionFor(string version) => Group.Length == 0 ? version : $"{Group}/{version}";

    public bool ServesVersion(string version) => Versions.Contains(version, StringComparer.Ordinal);
}
