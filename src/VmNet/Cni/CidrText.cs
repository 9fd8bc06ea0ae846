using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace VmNet.Cni;

/// <summary>
/// Checks "address/prefix" text as CNI uses it: unlike <see cref="IPNetwork"/>, host bits may be
/// set ("10.16.0.5/16" is a pod address, not a network).
/// </summary>
public static class CidrText
{
    public static bool IsValid(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !IPAddress.TryParse(text.AsSpan(0, slash), out var address))
        {
            return false;
        }

        var max = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        return int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)
            && prefix >= 0 && prefix <= max;
    }
}
