namespace VmNet.ApiServer;

/// <summary>Patch formats the server accepts.</summary>
public enum PatchKind
{
    /// <summary>application/json-patch+json (RFC 6902).</summary>
    Json,

    /// <summary>application/merge-patch+json (RFC 7386).</summary>
    Merge,

    /// <summary>application/strategic-merge-patch+json, applied as a merge patch (lists replace).</summary>
    StrategicMerge,
}
