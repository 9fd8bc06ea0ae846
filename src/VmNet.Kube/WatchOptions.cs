namespace VmNet.Kube;

/// <summary>Query parameters of a watch request.</summary>
public sealed record WatchOptions
{
    /// <summary>Resource version to watch from (normally the list's <c>metadata.resourceVersion</c>).</summary>
    public string? ResourceVersion { get; init; }

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>The server ends the watch after this long; the caller then re-watches from the last version seen.</summary>
    public int? TimeoutSeconds { get; init; }

    /// <summary>Ask for BOOKMARK events so the resume version stays fresh on quiet resources.</summary>
    public bool AllowBookmarks { get; init; } = true;
}
