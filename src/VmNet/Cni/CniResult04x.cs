using System.Text.Json.Serialization;

namespace VmNet.Cni;

/// <summary>
/// Wire shape of a 0.3.0 / 0.3.1 / 0.4.0 result: like 1.0.0 but each IP carries
/// <c>"version": "4"|"6"</c>, and there are no 1.1 interface/route fields.
/// </summary>
public sealed class CniResult04x
{
    [JsonPropertyName("cniVersion")]
    public string CniVersion { get; set; } = "0.4.0";

    [JsonPropertyName("interfaces")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<CniInterface04x>? Interfaces { get; set; }

    [JsonPropertyName("ips")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<CniIpConfig04x>? Ips { get; set; }

    [JsonPropertyName("routes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<CniRoute04x>? Routes { get; set; }

    [JsonPropertyName("dns")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CniDns? Dns { get; set; }
}

/// <summary>Interface of a pre-1.1 result (also used for 1.0.0 output).</summary>
public sealed class CniInterface04x
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("mac")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Mac { get; set; }

    [JsonPropertyName("sandbox")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Sandbox { get; set; }
}

/// <summary>IP of a 0.3.x/0.4.0 result: "version" is required there.</summary>
public sealed class CniIpConfig04x
{
    [JsonPropertyName("version")]
    public string Version { get; set; } = "4";

    [JsonPropertyName("interface")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Interface { get; set; }

    [JsonPropertyName("address")]
    public string Address { get; set; } = "";

    [JsonPropertyName("gateway")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Gateway { get; set; }
}

/// <summary>Route of a pre-1.1 result (dst and gw only).</summary>
public sealed class CniRoute04x
{
    [JsonPropertyName("dst")]
    public string Dst { get; set; } = "";

    [JsonPropertyName("gw")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Gw { get; set; }
}

/// <summary>Wire shape of a 1.0.0 result: no IP version, no 1.1 fields.</summary>
public sealed class CniResult100
{
    [JsonPropertyName("cniVersion")]
    public string CniVersion { get; set; } = "1.0.0";

    [JsonPropertyName("interfaces")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<CniInterface04x>? Interfaces { get; set; }

    [JsonPropertyName("ips")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<CniIpConfig>? Ips { get; set; }

    [JsonPropertyName("routes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<CniRoute04x>? Routes { get; set; }

    [JsonPropertyName("dns")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CniDns? Dns { get; set; }
}
