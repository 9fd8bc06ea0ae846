using VmNet.Sandbox.Qemu;

namespace VmNet.Sandbox.Demo;

/// <summary>Which guests the demo boots: "auto" (QEMU when it and the guest image can be had), "qemu" or "netns".</summary>
public sealed record GuestSelection(bool UseQemu, GuestImage? Image, string Reason)
{
    public const string EnvironmentVariable = "VMNET_DEMO_GUESTS";

    /// <summary>Validates a --guests= / VMNET_DEMO_GUESTS value.</summary>
    public static string ParseRequest(string? value) =>
        (value ?? "auto").Trim().ToLowerInvariant() switch
        {
            "" or "auto" => "auto",
            "qemu" => "qemu",
            "netns" => "netns",
            var other => throw new ArgumentException($"guests '{other}' is not one of auto, qemu, netns ({EnvironmentVariable} or --guests=)", nameof(value)),
        };

    /// <summary>
    /// Decides, building the guest image if needed (cached; the first build downloads the Debian cloud kernel).
    /// "qemu" fails when that is impossible; "auto" falls back to netns guests and says why.
    /// </summary>
    public static async Task<GuestSelection> ResolveAsync(string request, CancellationToken cancellationToken)
    {
        if (request == "netns")
        {
            return new GuestSelection(false, null, "netns guests requested");
        }

        var missing = Missing();
        if (missing is not null)
        {
            return request == "qemu"
                ? throw new InvalidOperationException($"QEMU guests requested but {missing}")
                : new GuestSelection(false, null, $"netns guests: {missing}");
        }

        try
        {
            var image = await GuestImage.GetOrBuildAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            return new GuestSelection(true, image, $"QEMU (TCG) guests: kernel {image.KernelPath}, initramfs {image.InitrdPath}");
        }
        catch (Exception ex) when (request == "auto" && ex is GuestImageException or IOException or InvalidOperationException)
        {
            return new GuestSelection(false, null, "netns guests: the QEMU guest image cannot be built: " + ex.Message);
        }
    }

    private static string? Missing()
    {
        if (!OnPath(QemuCommandLine.Binary))
        {
            return QemuCommandLine.Binary + " is not installed (apt-get install qemu-system-x86)";
        }

        return File.Exists("/bin/busybox") ? null : "/bin/busybox is missing (apt-get install busybox-static)";
    }

    private static bool OnPath(string binary) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries).Any(d => File.Exists(Path.Combine(d, binary)));
}
