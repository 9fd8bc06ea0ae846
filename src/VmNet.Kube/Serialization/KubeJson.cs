using System.Text.Json;
using System.Text.Json.Serialization;

namespace VmNet.Kube.Serialization;

/// <summary>The one set of JSON options used for every request and response body.</summary>
public static class KubeJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options);

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            // Unset optional fields are omitted rather than sent as null: a null in a PUT or merge patch
            // would clear the field on the server.
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            PropertyNameCaseInsensitive = false,
        };
        options.Converters.Add(new Rfc3339DateTimeOffsetConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
