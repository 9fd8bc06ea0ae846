using System.Text.Json;
using System.Text.Json.Serialization;

namespace VmNet.Cni;

/// <summary>
/// Body of every POST from the CNI binary to the daemon. Field names are snake_case like
/// Kube-OVN's CniRequest. The binary has validated and defaulted everything it can (provider
/// defaults to "ovn", deviceID merged from netconf/runtimeConfig/CNI_ARGS), so the daemon gets
/// one resolved value per field.
/// </summary>
public sealed class DaemonRequest
{
    /// <summary>The netconf's cniVersion (the daemon may use it for logs; results are always canonical 1.1).</summary>
    [JsonPropertyName("cni_version")]
    public string CniVersion { get; set; } = CniVersions.Current;

    /// <summary>netconf <c>type</c> ("vmnet", "kube-ovn", or the delegating plugin's type in IPAM mode).</summary>
    [JsonPropertyName("cni_type")]
    public string CniType { get; set; } = "";

    /// <summary>True when invoked as an IPAM plugin (<c>ipam.type</c> is ours, <c>type</c> is not):
    /// the daemon only allocates/returns addresses and must not create interfaces.</summary>
    [JsonPropertyName("ipam_only")]
    public bool IpamOnly { get; set; }

    [JsonPropertyName("network_name")]
    public string NetworkName { get; set; } = "";

    [JsonPropertyName("container_id")]
    public string ContainerId { get; set; } = "";

    /// <summary>Netns path; empty on DEL when the runtime no longer has one.</summary>
    [JsonPropertyName("net_ns")]
    public string NetNs { get; set; } = "";

    [JsonPropertyName("if_name")]
    public string IfName { get; set; } = "";

    [JsonPropertyName("pod_name")]
    public string PodName { get; set; } = "";

    [JsonPropertyName("pod_namespace")]
    public string PodNamespace { get; set; } = "";

    [JsonPropertyName("pod_uid")]
    public string PodUid { get; set; } = "";

    [JsonPropertyName("infra_container_id")]
    public string InfraContainerId { get; set; } = "";

    [JsonPropertyName("provider")]
    public string Provider { get; set; } = "ovn";

    [JsonPropertyName("mtu")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Mtu { get; set; }

    [JsonPropertyName("routes")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<NetConfRoute>? Routes { get; set; }

    [JsonPropertyName("dns")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CniDns? Dns { get; set; }

    [JsonPropertyName("device_id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DeviceId { get; set; }

    [JsonPropertyName("vf_driver")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? VfDriver { get; set; }

    [JsonPropertyName("vhost_user_socket_volume_name")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? VhostUserSocketVolumeName { get; set; }

    [JsonPropertyName("vhost_user_socket_name")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? VhostUserSocketName { get; set; }

    [JsonPropertyName("vhost_user_socket_consumption")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? VhostUserSocketConsumption { get; set; }

    /// <summary>Requested MAC (runtimeConfig.mac, else CNI_ARGS MAC).</summary>
    [JsonPropertyName("mac")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Mac { get; set; }

    /// <summary>Requested addresses in CIDR or plain form (runtimeConfig.ips, else CNI_ARGS IP).</summary>
    [JsonPropertyName("ips")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<string>? Ips { get; set; }

    /// <summary>Chained use: the previous plugin's result, canonical (1.1) form.</summary>
    [JsonPropertyName("prev_result")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CniResult? PrevResult { get; set; }

    /// <summary>runtimeConfig keys VmNet does not interpret itself (portMappings, bandwidth, ...).</summary>
    [JsonPropertyName("runtime_config")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, JsonElement>? RuntimeConfig { get; set; }

    /// <summary>netconf <c>args</c>, untouched.</summary>
    [JsonPropertyName("args")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Args { get; set; }

    /// <summary>All CNI_ARGS pairs (including the K8S_* ones already split out above).</summary>
    [JsonPropertyName("cni_args")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, string>? CniArgs { get; set; }

    /// <summary>GC only: the attachments the runtime still uses; the daemon removes the others it owns.</summary>
    [JsonPropertyName("valid_attachments")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<CniAttachment>? ValidAttachments { get; set; }
}

/// <summary>
/// Body of every daemon answer. Success (HTTP 200): <see cref="Result"/> set for add (and absent
/// otherwise). Failure (HTTP 4xx/5xx): <see cref="Error"/> set; its code is passed to the runtime.
/// </summary>
public sealed class DaemonResponse
{
    [JsonPropertyName("result")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public CniResult? Result { get; set; }

    [JsonPropertyName("error")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DaemonError? Error { get; set; }
}

/// <summary>A daemon failure: a CNI error code (spec or VmNet 110-149), message, optional details.</summary>
public sealed class DaemonError
{
    [JsonPropertyName("code")]
    public int Code { get; set; }

    [JsonPropertyName("msg")]
    public string Msg { get; set; } = "";

    [JsonPropertyName("details")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Details { get; set; }
}
