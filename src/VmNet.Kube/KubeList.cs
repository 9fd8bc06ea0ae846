using System.Text.Json.Serialization;
using VmNet.Kube.Models;

namespace VmNet.Kube;

/// <summary>A list response: the items plus list metadata (resourceVersion to watch from, continue token).</summary>
public sealed class KubeList<T>
    where T : class
{
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public List<T> Items { get; set; } = [];
}
