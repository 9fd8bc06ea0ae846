using System.Text.Json.Serialization;

namespace VmNet.Cni;

/// <summary>The CNI error object a plugin prints on stdout when it fails (spec "Error" section).</summary>
public sealed class CniError
{
    [JsonPropertyName("cniVersion")]
    public string CniVersion { get; set; } = CniVersions.Current;

    [JsonPropertyName("code")]
    public int Code { get; set; }

    [JsonPropertyName("msg")]
    public string Msg { get; set; } = "";

    [JsonPropertyName("details")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Details { get; set; }
}

/// <summary>A failure that ends a CNI invocation with the given spec/VmNet error code.</summary>
public sealed class CniException : Exception
{
    public CniException(int code, string message, string? details = null, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        Details = details;
    }

    public CniException()
        : this(CniErrorCodes.InternalError, "unspecified CNI failure")
    {
    }

    public CniException(string message)
        : this(CniErrorCodes.InternalError, message)
    {
    }

    public CniException(string message, Exception innerException)
        : this(CniErrorCodes.InternalError, message, null, innerException)
    {
    }

    public int Code { get; }

    public string? Details { get; }

    public CniError ToError(string cniVersion) =>
        new() { CniVersion = cniVersion, Code = Code, Msg = Message, Details = Details };
}
