using System.Text.Json;
using System.Text.Json.Serialization;
using VmNet.Kube.Models;

namespace VmNet.Kube;

/// <summary>
/// An object of a kind we have no model for (any custom resource): typed metadata, everything else kept as
/// raw JSON so it round-trips untouched. Use with a <see cref="KubeResource"/> you describe yourself.
/// </summary>
public sealed class KubeObject : IKubeObject
{
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("metadata")]
    public V1ObjectMeta? Metadata { get; set; }

    /// <summary>All other top-level fields (spec, status, ...).</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement> Fields { get; set; } = [];
}
