using VmNet.Ovsdb.Cache;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Values;

namespace VmNet.Ovsdb;

/// <summary>
/// Who owns an OVN/OVS row VmNet created, stored in <c>external_ids</c> as <c>vendor=vmnet</c>,
/// <c>vmnet.io/owner-kind=Kind</c>, <c>vmnet.io/owner=Key</c>. Lookups and garbage collection go
/// by these keys, never by parsing row names.
/// </summary>
public sealed record Ownership
{
    public const string VendorKey = "vendor";
    public const string OwnerKindKey = "vmnet.io/owner-kind";
    public const string OwnerKey = "vmnet.io/owner";

    public Ownership(string kind, string key)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        Kind = kind;
        Key = key;
    }

    /// <summary>The owner's kind, e.g. <c>Subnet</c>, <c>VirtualMachineInstance</c>, <c>Pod</c>.</summary>
    public string Kind { get; }

    /// <summary>The owner's identity within its kind, e.g. <c>namespace/name</c>.</summary>
    public string Key { get; }

    /// <summary>Reads the ownership of a row, or null when the row is not ours or not typed.</summary>
    public static Ownership? FromExternalIds(IReadOnlyDictionary<string, string> externalIds) =>
        externalIds.GetValueOrDefault(VendorKey) == VmNetInfo.Vendor
        && externalIds.GetValueOrDefault(OwnerKindKey) is { Length: > 0 } kind
        && externalIds.GetValueOrDefault(OwnerKey) is { Length: > 0 } key
            ? new Ownership(kind, key)
            : null;

    public static Ownership? FromRow(OvsdbRow row) =>
        row.ExternalId(VendorKey) == VmNetInfo.Vendor
        && row.ExternalId(OwnerKindKey) is { Length: > 0 } kind
        && row.ExternalId(OwnerKey) is { Length: > 0 } key
            ? new Ownership(kind, key)
            : null;

    /// <summary>The external_ids of an owned row: <paramref name="extra"/> plus the three ownership keys (which win).</summary>
    public Dictionary<string, string> ToExternalIds(IReadOnlyDictionary<string, string>? extra = null)
    {
        var ids = extra is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(extra, StringComparer.Ordinal);
        ids[VendorKey] = VmNetInfo.Vendor;
        ids[OwnerKindKey] = Kind;
        ids[OwnerKey] = Key;
        return ids;
    }

    public OvsdbMap ToMap(IReadOnlyDictionary<string, string>? extra = null) => OvsdbMap.Of(ToExternalIds(extra));

    /// <summary>A where clause matching the rows this owner owns.</summary>
    public Condition[] Where() => [Condition.Includes("external_ids", ToMap())];

    public override string ToString() => $"{Kind} {Key}";
}
