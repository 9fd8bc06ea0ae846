using System.Globalization;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// What a VM is, independent of where it runs: both ends of a migration get the same options, so their
/// device command lines match exactly (QEMU refuses or corrupts a migration otherwise).
/// </summary>
public sealed record QemuVmOptions
{
    public required GuestImage Guest { get; init; }

    /// <summary>virtio-net MAC, e.g. "0a:00:00:10:00:15"; the guest's eth0 keeps it across migrations.</summary>
    public required string Mac { get; init; }

    /// <summary>Guest eth0 address with prefix, e.g. "10.16.0.21/16" (kernel command line vmip=).</summary>
    public required string IpCidr { get; init; }

    /// <summary>Guest default gateway, or null for none.</summary>
    public string? Gateway { get; init; }

    public int Mtu { get; init; } = 1400;

    /// <summary>NICs after the first, in PCI order (net1, net2... in QEMU); none by default.</summary>
    public IReadOnlyList<QemuNic> ExtraNics { get; init; } = [];

    public int MemoryMb { get; init; } = 128;

    /// <summary>"tcg": KVM is not usable on the test machines (see the recipe's README).</summary>
    public string Accelerator { get; init; } = "tcg";

    public string Machine { get; init; } = "q35";

    public string Ip => IpCidr.Split('/')[0];

    public void Validate()
    {
        if (!System.Net.NetworkInformation.PhysicalAddress.TryParse(Mac, out _))
        {
            throw new ArgumentException($"QemuVmOptions.Mac '{Mac}' is not a MAC address", nameof(Mac));
        }

        var parts = IpCidr.Split('/');
        if (parts.Length != 2 || !System.Net.IPAddress.TryParse(parts[0], out _) || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix is < 1 or > 32)
        {
            throw new ArgumentException($"QemuVmOptions.IpCidr '{IpCidr}' is not an IPv4 address with prefix", nameof(IpCidr));
        }

        if (Mtu is < 576 or > 9000)
        {
            throw new ArgumentException($"QemuVmOptions.Mtu {Mtu} is outside 576..9000", nameof(Mtu));
        }

        for (var i = 0; i < ExtraNics.Count; i++)
        {
            ExtraNics[i].Validate(i);
        }

        if (ExtraNics.Any(n => n.DefaultRoute) && (Gateway is not null || ExtraNics.Count(n => n.DefaultRoute) > 1))
        {
            throw new ArgumentException("QemuVmOptions: the default route goes via one NIC only (Gateway of the first NIC, or one of ExtraNics with DefaultRoute)", nameof(ExtraNics));
        }

        if (MemoryMb < 64)
        {
            throw new ArgumentException($"QemuVmOptions.MemoryMb {MemoryMb} is below the 64 MB the cloud kernel needs", nameof(MemoryMb));
        }
    }
}
