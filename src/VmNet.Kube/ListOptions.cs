namespace VmNet.Kube;

/// <summary>Query parameters of a list request.</summary>
public sealed record ListOptions
{
    /// <summary>Label selector, e.g. <c>app=web,tier!=db</c>.</summary>
    public string? LabelSelector { get; init; }

    /// <summary>Field selector, e.g. <c>spec.nodeName=node1</c>.</summary>
    public string? FieldSelector { get; init; }

    /// <summary>Page size; the response carries a continue token when more items remain.</summary>
    public int? Limit { get; init; }

    /// <summary>Continue token from the previous page's <c>metadata.continue</c>.</summary>
    public string? Continue { get; init; }

    /// <summary>Resource version semantics per the API conventions (<c>"0"</c> = any cached version).</summary>
    public string? ResourceVersion { get; init; }

    /// <summary><c>Exact</c> or <c>NotOlderThan</c>, together with <see cref="ResourceVersion"/>.</summary>
    public string? ResourceVersionMatch { get; init; }
}
