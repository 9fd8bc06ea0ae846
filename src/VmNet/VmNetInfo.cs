namespace VmNet;

/// <summary>Identity constants shared by every component.</summary>
public static class VmNetInfo
{
    /// <summary>Value of <c>external_ids:vendor</c> on every OVN/OVS row VmNet creates.</summary>
    public const string Vendor = "vmnet";
}
