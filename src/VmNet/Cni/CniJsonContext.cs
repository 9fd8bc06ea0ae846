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
    private static CniJsonContext? output;

    /// <summary>
    /// For what people read (results and errors on stdout, kubelet events): the default encoder
    /// escapes quotes and apostrophes in messages as \u0022/\u0027. The output is never embedded
    /// in HTML, so relaxed escaping is safe.
    /// </summary>
    public static CniJsonContext Output => output ??= new CniJsonContext(new JsonSerializerOptions
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
