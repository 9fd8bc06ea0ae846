using System.Globalization;
using System.Net.NetworkInformation;
using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Sriov;

/// <summary>
/// What DEL needs to give a VF back, recorded in the representor's OVS Interface external_ids at ADD:
/// it survives a daemon restart, and the port row and the record are created and removed together.
/// </summary>
public sealed record SriovPortState
{
    public const string VfPciKey = "vmnet.io/vf-pci";
    public const string VfNetdevKey = "vmnet.io/vf-netdev";
    public const string PfNetdevKey = "vmnet.io/pf-netdev";
    public const string VfIndexKey = "vmnet.io/vf-index";
    public const string RepresentorKey = "vmnet.io/vf-representor";
    public const string VfInPodKey = "vmnet.io/vf-in-pod";
    public const string VfMacKey = "vmnet.io/vf-mac";
    public const string TxChecksumOffKey = "vmnet.io/vf-tx-csum-off";

    public required string VfPci { get; init; }

    /// <summary>The VF netdev's name on the host before ADD (restored on DEL); null for a vfio-bound VF.</summary>
    public string? VfNetdev { get; init; }

    /// <summary>The VF netdev's MAC before ADD (restored on DEL).</summary>
    public PhysicalAddress? VfMac { get; init; }

    public required string PfNetdev { get; init; }

    public required int VfIndex { get; init; }

    /// <summary>The representor's kernel name before it was renamed to the port name.</summary>
    public required string Representor { get; init; }

    /// <summary>The VF netdev was moved into the pod netns (false: left for a VM).</summary>
    public required bool VfInPod { get; init; }

    /// <summary>ADD turned the VF's TX checksum offload off (userspace datapath); DEL turns it back on.</summary>
    public bool TxChecksumOff { get; init; }

    public IReadOnlyDictionary<string, string> ToExternalIds()
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [VfPciKey] = VfPci,
            [PfNetdevKey] = PfNetdev,
            [VfIndexKey] = VfIndex.ToString(CultureInfo.InvariantCulture),
            [RepresentorKey] = Representor,
            [VfInPodKey] = VfInPod ? "true" : "false",
            [TxChecksumOffKey] = TxChecksumOff ? "true" : "false",
        };
        if (VfNetdev is not null)
        {
            ids[VfNetdevKey] = VfNetdev;
        }

        if (VfMac is not null)
        {
            ids[VfMacKey] = MacFormat.Format(VfMac);
        }

        return ids;
    }

    /// <summary>Null when the interface is not an SR-IOV representor port.</summary>
    public static SriovPortState? FromExternalIds(IReadOnlyDictionary<string, string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (!ids.TryGetValue(VfPciKey, out var pci))
        {
            return null;
        }

        return new SriovPortState
        {
            VfPci = pci,
            VfNetdev = ids.GetValueOrDefault(VfNetdevKey),
            VfMac = ids.GetValueOrDefault(VfMacKey) is { } mac ? PhysicalAddress.Parse(mac.Replace(':', '-')) : null,
            PfNetdev = ids.GetValueOrDefault(PfNetdevKey) ?? throw new SriovException($"OVS interface of VF {pci}: external_ids lacks {PfNetdevKey}"),
            VfIndex = int.TryParse(ids.GetValueOrDefault(VfIndexKey), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                ? index
                : throw new SriovException($"OVS interface of VF {pci}: external_ids {VfIndexKey} \"{ids.GetValueOrDefault(VfIndexKey)}\" is not a VF index"),
            Representor = ids.GetValueOrDefault(RepresentorKey) ?? throw new SriovException($"OVS interface of VF {pci}: external_ids lacks {RepresentorKey}"),
            VfInPod = ids.GetValueOrDefault(VfInPodKey) == "true",
            TxChecksumOff = ids.GetValueOrDefault(TxChecksumOffKey) == "true",
        };
    }
}
