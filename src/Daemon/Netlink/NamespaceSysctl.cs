using System.Text;

namespace VmNet.Daemon.Netlink;

/// <summary>
/// Reads and writes sysctls of a network namespace. /proc/sys/net/... resolves to the namespace of the
/// thread that opens the file, so each access borrows the calling thread into the namespace (<see cref="NetworkNamespace.Run{T}"/>).
/// </summary>
public static class NamespaceSysctl
{
    private const string Root = "/proc/sys/";

    /// <summary>Writes <paramref name="value"/> to the sysctl <paramref name="key"/> inside <paramref name="networkNamespace"/>.</summary>
    /// <param name="key">Dotted ("net.ipv6.conf.all.forwarding") or slashed ("net/ipv6/conf/eth0.10/accept_dad") form;
    /// use the slashed form when an interface name contains a dot.</param>
    public static Task WriteAsync(NetworkNamespace networkNamespace, string key, string value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(networkNamespace);
        var path = PathOf(key);
        cancellationToken.ThrowIfCancellationRequested();
        networkNamespace.Run(() =>
        {
            Write(path, key, value, networkNamespace.Path);
            return true;
        });
        return Task.CompletedTask;
    }

    public static Task<string> ReadAsync(NetworkNamespace networkNamespace, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(networkNamespace);
        var path = PathOf(key);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(networkNamespace.Run(() => Read(path, key, networkNamespace.Path)));
    }

    /// <summary>net.ipv6.conf.IFNAME.SETTING in slashed form, safe for names with dots (VLAN devices).</summary>
    public static string Ipv6InterfaceKey(string interfaceName, string setting) => $"net/ipv6/conf/{interfaceName}/{setting}";

    public static string Ipv4InterfaceKey(string interfaceName, string setting) => $"net/ipv4/conf/{interfaceName}/{setting}";

    internal static string PathOf(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var relative = key.Contains('/', StringComparison.Ordinal) ? key : key.Replace('.', '/');
        if (!relative.StartsWith("net/", StringComparison.Ordinal) || relative.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new ArgumentException($"sysctl key '{key}' is not a per-network-namespace key under net.", nameof(key));
        }

        return Root + relative;
    }

    private static void Write(string path, string key, string value, string namespacePath)
    {
        try
        {
            File.WriteAllBytes(path, Encoding.ASCII.GetBytes(value));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SysctlException($"sysctl write {key}={value} in netns {namespacePath} failed: {ex.Message}", ex);
        }
    }

    private static string Read(string path, string key, string namespacePath)
    {
        try
        {
            return File.ReadAllText(path).TrimEnd('\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SysctlException($"sysctl read {key} in netns {namespacePath} failed: {ex.Message}", ex);
        }
    }
}

/// <summary>A sysctl could not be read or written; the message names key, value and namespace.</summary>
public sealed class SysctlException : IOException
{
    public SysctlException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
