using System.Globalization;
using System.Text.RegularExpressions;

namespace VmNet.Daemon.Sriov;

/// <summary>
/// Finds a VF's netdev, PF, VF index and representor in sysfs, the way the kernel lays out a switchdev
/// NIC: <c>bus/pci/devices/&lt;vf&gt;/physfn</c> → PF, PF's <c>virtfnN</c> → VF index, VF's <c>net/*</c> →
/// netdev, PF's <c>net/*</c> with <c>phys_port_name</c> <c>pN</c> → uplink, and the representor: the
/// <c>class/net</c> netdev on the same <c>phys_switch_id</c> whose <c>phys_port_name</c> is <c>pfPvfN</c>.
/// </summary>
public sealed partial class SriovTopology(ISysfs sysfs)
{
    private const string PciDevices = "bus/pci/devices";
    private const string ClassNet = "class/net";

    public ISysfs Sysfs => sysfs;

    /// <summary>Describes the VF at <paramref name="vfPci"/>; <see cref="SriovException"/> names what is missing.</summary>
    public VirtualFunction Locate(string vfPci)
    {
        var device = $"{PciDevices}/{vfPci}";
        if (!sysfs.Exists(device))
        {
            throw new SriovException($"deviceID {vfPci}: no PCI device {Path.Combine(sysfs.Root, device)}");
        }

        var pfPci = sysfs.LinkTargetName($"{device}/physfn")
            ?? throw new SriovException($"deviceID {vfPci} is not an SR-IOV virtual function: {Path.Combine(sysfs.Root, device)}/physfn does not exist");
        var vfIndex = VfIndex(pfPci, vfPci);
        var netdevs = sysfs.List($"{device}/net");
        var driver = sysfs.LinkTargetName($"{device}/driver");
        if (netdevs.Count > 1)
        {
            throw new SriovException($"deviceID {vfPci}: expected one VF netdev in {Path.Combine(sysfs.Root, device)}/net, found {string.Join(", ", netdevs)}");
        }

        if (netdevs.Count == 0 && driver != "vfio-pci")
        {
            throw new SriovException(
                $"deviceID {vfPci}: VF has no netdev in the host namespace ({Path.Combine(sysfs.Root, device)}/net is empty, driver {driver ?? "none"}); it is in use by another pod or not bound to a network driver");
        }

        var (uplink, pfPort) = Uplink(pfPci, vfPci);
        var switchId = sysfs.ReadAttribute($"{ClassNet}/{uplink}/phys_switch_id");
        if (string.IsNullOrEmpty(switchId))
        {
            throw new SriovException($"deviceID {vfPci}: PF {pfPci} ({uplink}) has no phys_switch_id; its eswitch is not in switchdev mode");
        }

        var representor = Representor(switchId, pfPort, vfIndex)
            ?? throw new SriovException($"deviceID {vfPci}: no representor for VF {vfIndex} of PF {pfPci} ({uplink}): no netdev in {Path.Combine(sysfs.Root, ClassNet)} with phys_switch_id {switchId} and phys_port_name pf{pfPort}vf{vfIndex}");
        return new VirtualFunction
        {
            PciAddress = vfPci,
            Netdev = netdevs.Count == 1 ? netdevs[0] : null,
            Driver = driver,
            PfPciAddress = pfPci,
            PfNetdev = uplink,
            VfIndex = vfIndex,
            Representor = representor,
            SwitchId = switchId,
        };
    }

    /// <summary>PCI addresses of the PFs on this node (devices with <c>virtfn*</c> links) and their uplink netdev, if any.</summary>
    public IReadOnlyList<(string Pci, string? Netdev)> PhysicalFunctions() =>
        sysfs.List(PciDevices)
            .Where(pci => sysfs.List($"{PciDevices}/{pci}").Any(e => e.StartsWith("virtfn", StringComparison.Ordinal)))
            .Select(pci => (pci, sysfs.List($"{PciDevices}/{pci}/net").FirstOrDefault(n => UplinkPort(sysfs.ReadAttribute($"{ClassNet}/{n}/phys_port_name")) is not null)
                ?? sysfs.List($"{PciDevices}/{pci}/net").FirstOrDefault()))
            .ToList();

    private int VfIndex(string pfPci, string vfPci)
    {
        foreach (var entry in sysfs.List($"{PciDevices}/{pfPci}"))
        {
            if (entry.StartsWith("virtfn", StringComparison.Ordinal)
                && int.TryParse(entry.AsSpan("virtfn".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                && sysfs.LinkTargetName($"{PciDevices}/{pfPci}/{entry}") == vfPci)
            {
                return index;
            }
        }

        throw new SriovException($"deviceID {vfPci}: PF {pfPci} has no virtfnN link to it in {Path.Combine(sysfs.Root, PciDevices, pfPci)}");
    }

    private (string Netdev, int Port) Uplink(string pfPci, string vfPci)
    {
        var netdevs = sysfs.List($"{PciDevices}/{pfPci}/net");
        foreach (var netdev in netdevs)
        {
            if (UplinkPort(sysfs.ReadAttribute($"{ClassNet}/{netdev}/phys_port_name")) is { } port)
            {
                return (netdev, port);
            }
        }

        throw new SriovException(netdevs.Count == 0
            ? $"deviceID {vfPci}: PF {pfPci} has no netdev in {Path.Combine(sysfs.Root, PciDevices, pfPci)}/net"
            : $"deviceID {vfPci}: PF {pfPci} has no uplink representor (none of {string.Join(", ", netdevs)} has phys_port_name pN); its eswitch is not in switchdev mode");
    }

    private string? Representor(string switchId, int pfPort, int vfIndex)
    {
        foreach (var netdev in sysfs.List(ClassNet))
        {
            if (sysfs.ReadAttribute($"{ClassNet}/{netdev}/phys_switch_id") == switchId
                && RepresentorPort().Match(sysfs.ReadAttribute($"{ClassNet}/{netdev}/phys_port_name") ?? string.Empty) is { Success: true } m
                && int.Parse(m.Groups["pf"].Value, CultureInfo.InvariantCulture) == pfPort
                && int.Parse(m.Groups["vf"].Value, CultureInfo.InvariantCulture) == vfIndex)
            {
                return netdev;
            }
        }

        return null;
    }

    private static int? UplinkPort(string? physPortName) =>
        physPortName is not null && UplinkPortName().Match(physPortName) is { Success: true } m
            ? int.Parse(m.Groups["p"].Value, CultureInfo.InvariantCulture)
            : null;

    [GeneratedRegex(@"^p(?<p>\d+)$")]
    private static partial Regex UplinkPortName();

    // mlx5 names VF representors pf0vf3; multi-host NICs prefix a controller: c1pf0vf3.
    [GeneratedRegex(@"^(c\d+)?pf(?<pf>\d+)vf(?<vf>\d+)$")]
    private static partial Regex RepresentorPort();
}
