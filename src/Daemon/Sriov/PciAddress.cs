using System.Text.RegularExpressions;

namespace VmNet.Daemon.Sriov;

/// <summary>A PCI address in sysfs form, <c>domain:bus:device.function</c> (<c>0000:03:00.2</c>), as the SR-IOV device plugin hands it out.</summary>
public static partial class PciAddress
{
    /// <summary>Checks the form (lower-cased); a short <c>03:00.2</c> gets domain 0000, as sysfs names it.</summary>
    public static string Normalize(string value, string field)
    {
        var text = (value ?? string.Empty).Trim().ToLowerInvariant();
        if (ShortForm().IsMatch(text))
        {
            text = "0000:" + text;
        }

        return FullForm().IsMatch(text)
            ? text
            : throw new SriovException($"{field} \"{value}\" is not a PCI address (expected domain:bus:device.function, e.g. 0000:03:00.2)");
    }

    [GeneratedRegex(@"^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$")]
    private static partial Regex FullForm();

    [GeneratedRegex(@"^[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$")]
    private static partial Regex ShortForm();
}
