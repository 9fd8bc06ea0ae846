using System.Diagnostics;
using System.Text.Json;

namespace VmNet.Daemon.Tests.Netlink;

/// <summary>
/// Runs iproute2 / ethtool as independent witnesses of what the netlink code did. Test-only: the product
/// path never shells out.
/// </summary>
internal static class IpTool
{
    public static string Run(string file, params string[] arguments)
    {
        var (exitCode, output, error) = TryRun(file, arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited {exitCode}: {error.Trim()}");
        }

        return output;
    }

    public static (int ExitCode, string Output, string Error) TryRun(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + file);
        var errorTask = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, errorTask.GetAwaiter().GetResult());
    }

    /// <summary>`ip [-n NS] -j ARGS`, parsed.</summary>
    public static JsonElement Json(string? netns, params string[] arguments)
    {
        var all = new List<string>();
        if (netns is not null)
        {
            all.AddRange(["-n", netns]);
        }

        all.Add("-j");
        all.AddRange(arguments);
        var text = Run("ip", [.. all]);
        using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? "[]" : text);
        return document.RootElement.Clone();
    }

    /// <summary>The `ip -d -j link show` object (with linkinfo) of one link, or null when the link does not exist.</summary>
    public static JsonElement? Link(string? netns, string name)
    {
        var all = netns is null ? new List<string>() : ["-n", netns];
        all.AddRange(["-d", "-j", "link", "show", "dev", name]);
        var (exitCode, output, _) = TryRun("ip", [.. all]);
        if (exitCode != 0)
        {
            return null;
        }

        using var document = JsonDocument.Parse(output);
        return document.RootElement[0].Clone();
    }

    /// <summary>"tx-checksumming: on|off" from `ethtool -k`, run inside the namespace.</summary>
    public static string TxChecksumming(string netns, string interfaceName)
    {
        var output = Run("ip", "netns", "exec", netns, "ethtool", "-k", interfaceName);
        var line = output.Split('\n').Single(l => l.StartsWith("tx-checksumming:", StringComparison.Ordinal));
        return line["tx-checksumming:".Length..].Trim().Split(' ')[0];
    }

    public static IReadOnlyList<string> LinkNames(string? netns) =>
        Json(netns, "link", "show").EnumerateArray().Select(l => l.GetProperty("ifname").GetString()!).ToList();
}
