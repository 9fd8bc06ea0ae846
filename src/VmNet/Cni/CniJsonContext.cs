using System.Text.Json;
using System.Text.Json.Serialization;

namespace VmNet.Cni;

/// <summary>
/// Source-generated serializers for every CNI and daemon-protocol type: the NativeAOT CNI binary
/// has reflection-based serialization disabled, and generated code also starts faster.
/// </summary>
[JsonSourceGenerationOptions(
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    PropertyNameCaseInsensitive = false)]
[JsonSerializable(typeof(NetConf))]
[JsonSerializable(typeof(NetConfList))]
[JsonSerializable(typeof(CniResult))]
[JsonSerializable(typeof(CniResult04x))]
[JsonSerializable(typeof(CniResult100))]
[JsonSerializable(typeof(CniError))]
[JsonSerializable(typeof(CniVersionInfo))]
[JsonSerializable(typeof(DaemonRequest))]
[JsonSerializable(typeof(DaemonResponse))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class CniJsonContext : JsonSerializerContext
{
}
