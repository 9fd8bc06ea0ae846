namespace VmNet.Multus;

/// <summary>A raw user value and where it came from (annotation key or selection field), for validation and errors.</summary>
public sealed record SourcedValue(string Field, string Value);

/// <summary>
/// Where an attachment's static IP/MAC and subnet choice come from, highest priority first (facts §2.3, §6):
/// <c>&lt;p&gt;.kubernetes.io/ip_address</c>, the per-interface <c>&lt;nad&gt;.&lt;ns&gt;.kubernetes.io/ip_address.&lt;iface&gt;</c>
/// (no <c>.ovn</c>), then the selection element's <c>ips</c>/<c>mac</c>.
/// </summary>
public static class AttachmentAddressInput
{
    public static SourcedValue? StaticIps(IReadOnlyDictionary<string, string>? annotations, Attachment attachment) =>
        Find(annotations, attachment, "ip_address")
        ?? (attachment.Selection.Ips.Count > 0 ? new SourcedValue($"{MultusAnnotations.Networks} {attachment.Selection.NadKey} ips", string.Join(',', attachment.Selection.Ips)) : null);

    public static SourcedValue? StaticMac(IReadOnlyDictionary<string, string>? annotations, Attachment attachment) =>
        Find(annotations, attachment, "mac_address")
        ?? (attachment.Selection.Mac is { } mac ? new SourcedValue($"{MultusAnnotations.Networks} {attachment.Selection.NadKey} mac", mac) : null);

    /// <summary><c>&lt;p&gt;.kubernetes.io/logical_switch</c>: the subnet chosen by the user, overriding the provider match.</summary>
    public static SourcedValue? LogicalSwitch(IReadOnlyDictionary<string, string>? annotations, Attachment attachment) =>
        Value(annotations, $"{attachment.Provider}.kubernetes.io/logical_switch");

    private static SourcedValue? Find(IReadOnlyDictionary<string, string>? annotations, Attachment attachment, string name)
    {
        var direct = Value(annotations, $"{attachment.Provider}.kubernetes.io/{name}");
        if (direct is not null || attachment.Selection.Interface is null)
        {
            return direct;
        }

        var selection = attachment.Selection;
        return Value(annotations, $"{selection.Name}.{selection.Namespace}.kubernetes.io/{name}.{selection.Interface}");
    }

    private static SourcedValue? Value(IReadOnlyDictionary<string, string>? annotations, string key) =>
        annotations is not null && annotations.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value) ? new SourcedValue(key, value.Trim()) : null;
}
