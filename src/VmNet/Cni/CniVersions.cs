namespace VmNet.Cni;

/// <summary>
/// The CNI spec versions VmNet speaks and what each allows. Result shapes differ by version
/// (0.3.x/0.4.0 carry <c>ips[].version</c>; 1.1.0 adds interface mtu/socketPath/pciID and route
/// mtu/advmss/priority/table/scope), and CHECK needs 0.4.0+, STATUS and GC need 1.1.0+.
/// </summary>
public static class CniVersions
{
    /// <summary>The version VmNet's results are modelled in and the one VERSION reports.</summary>
    public const string Current = "1.1.0";

    /// <summary>Every version accepted in a network configuration, oldest first.</summary>
    public static IReadOnlyList<string> Supported { get; } = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

    public static bool IsSupported(string? version) => version is not null && Supported.Contains(version, StringComparer.Ordinal);

    /// <summary>CHECK exists since spec 0.4.0.</summary>
    public static bool AllowsCheck(string version) => Compare(version, "0.4.0") >= 0;

    /// <summary>STATUS and GC exist since spec 1.1.0.</summary>
    public static bool AllowsStatusAndGc(string version) => Compare(version, "1.1.0") >= 0;

    /// <summary>Results before 1.0.0 tag every IP with <c>"version": "4"|"6"</c>.</summary>
    public static bool ResultHasIpVersion(string version) => Compare(version, "1.0.0") < 0;

    /// <summary>1.1.0 added interface mtu/socketPath/pciID and route mtu/advmss/priority/table/scope.</summary>
    public static bool ResultHasV11Fields(string version) => Compare(version, "1.1.0") >= 0;

    /// <summary>Comma-separated list for error messages.</summary>
    public static string SupportedList => string.Join(", ", Supported);

    /// <summary>Compares dotted numeric versions ("0.4.0" &lt; "1.0.0"); a malformed part counts as 0.</summary>
    public static int Compare(string left, string right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        var a = left.Split('.');
        var b = right.Split('.');
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var x = i < a.Length && int.TryParse(a[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var xv) ? xv : 0;
            var y = i < b.Length && int.TryParse(b[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var yv) ? yv : 0;
            if (x != y)
            {
                return x.CompareTo(y);
            }
        }

        return 0;
    }
}
