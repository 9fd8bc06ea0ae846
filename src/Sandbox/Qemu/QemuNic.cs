using System.Globalization;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// A VM NIC after the first (the first is <see cref="QemuVmOptions.Mac"/>/<see cref="QemuVmOptions.IpCidr"/>): a
/// virtio-net device on <see cref="Tap"/> (a tap in the same netns as the first NIC's), configured by the guest's
/// init from <c>vmnic&lt;N&gt;=</c> on the kernel command line; the guest finds it by its MAC.
/// </summary>
public sealed record QemuNic(string Mac, string IpCidr, string Tap)
{
    /// <summary>The NIC's gateway (informational unless <see cref="DefaultRoute"/>).</summary>
    public string? Gateway { get; init; }

    /// <summary>The guest's default route goes via <see cref="Gateway"/> on this NIC (the first NIC's then has none).</summary>
    public bool DefaultRoute { get; init; }

    /// <summary>The kernel command line value: "mac,ip/prefix[,gateway[,default]]".</summary>
    public string KernelArgument =>
        Mac + "," + IpCidr + (Gateway is null ? string.Empty : "," + Gateway + (DefaultRoute ? ",default" : string.Empty));

    public void Validate(int index)
    {
        var field = string.Create(CultureInfo.InvariantCulture, $"QemuVmOptions.ExtraNics[{index}]");
        if (!System.Net.NetworkInformation.PhysicalAddress.TryParse(Mac, out _) || Mac.Length != 17)
        {
            throw new ArgumentException($"{field}.Mac '{Mac}' is not a MAC address (aa:bb:cc:dd:ee:ff)", nameof(Mac));
        }

        var parts = IpCidr.Split('/');
        if (parts.Length != 2 || !System.Net.IPAddress.TryParse(parts[0], out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix is < 1 or > 32)
        {
            throw new ArgumentException($"{field}.IpCidr '{IpCidr}' is not an IPv4 address with prefix", nameof(IpCidr));
        }

        if (Gateway is not null && (!System.Net.IPAddress.TryParse(Gateway, out var gateway) || gateway.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork))
        {
            throw new ArgumentException($"{field}.Gateway '{Gateway}' is not an IPv4 address", nameof(Gateway));
        }

        if (DefaultRoute && Gateway is null)
        {
            throw new ArgumentException($"{field} carries the default route but has no Gateway", nameof(DefaultRoute));
        }

        if (Tap.Length is 0 or > 15 || Tap.Any(c => c is ',' or ' ' or '/'))
        {
            throw new ArgumentException($"{field}.Tap '{Tap}' is not an interface name (1..15 characters, no ',', ' ' or '/')", nameof(Tap));
        }
    }
}
