using System.Text.Json.Serialization;

namespace VmNet.Cni;

/// <summary>What VERSION prints.</summary>
public sealed class CniVersionInfo
{
    [JsonPropertyName("cniVersion")]
    public string CniVersion { get; set; } = CniVersions.Current;

    [JsonPropertyName("supportedVersions")]
    public List<string> SupportedVersions { get; set; } = [.. CniVersions.Supported];
}
