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

    // Some servers send "items": null for an empty list; callers always get a list.
    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get => field; set => field = value ?? new(); } = new();

    [JsonPropertyName("items")]
    public List<T> Items { get => field; set => field = value ?? []; } = [];
}
