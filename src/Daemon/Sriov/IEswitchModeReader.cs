using System.Diagnostics;
using System.Text.Json;

namespace VmNet.Daemon.Sriov;

/// <summary>The eswitch mode of a PF ("switchdev" or "legacy"), which the kernel exposes only through devlink.</summary>
public interface IEswitchModeReader
{
    Task<string> ReadModeAsync(string pfPci, CancellationToken cancellationToken);
}

/// <summary>
/// Reads the mode with <c>devlink -j dev eswitch show pci/&lt;pf&gt;</c>: devlink is a generic-netlink
/// family (DEVLINK_CMD_ESWITCH_GET), not sysfs, and the iproute2 tool is on every node that has an
/// offload NIC. Failures (no devlink in the kernel, no such device, driver without eswitch) are reported
/// with devlink's own message.
/// </summary>
public sealed class DevlinkEswitchModeReader(string devlinkPath = "devlink") : IEswitchModeReader
{
    public async Task<string> ReadModeAsync(string pfPci, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(devlinkPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-j", "dev", "eswitch", "show", "pci/" + pfPci })
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new SriovException($"devlink eswitch show pci/{pfPci}: {devlinkPath} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SriovException($"devlink eswitch show pci/{pfPci}: cannot run {devlinkPath}: {e.Message}", e);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                throw new SriovException($"devlink eswitch show pci/{pfPci} failed (exit {process.ExitCode}): {(await error.ConfigureAwait(false)).Trim()}");
            }

            return ParseMode(await output.ConfigureAwait(false), pfPci);
        }
    }

    /// <summary>Parses <c>{"dev":{"pci/0000:03:00.0":{"mode":"switchdev",...}}}</c>.</summary>
    public static string ParseMode(string json, string pfPci)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.TryGetProperty("dev", out var dev)
                && dev.TryGetProperty("pci/" + pfPci, out var entry)
                && entry.TryGetProperty("mode", out var mode)
                && mode.GetString() is { Length: > 0 } text)
            {
                return text;
            }
        }
        catch (JsonException e)
        {
            throw new SriovException($"devlink eswitch show pci/{pfPci}: output is not JSON: {e.Message}", e);
        }

        throw new SriovException($"devlink eswitch show pci/{pfPci}: output has no dev.\"pci/{pfPci}\".mode: {json.Trim()}");
    }
}
