using System.Globalization;
using VmNet.Sandbox.Rig;

namespace VmNet.E2E.Dhcp;

/// <summary>
/// Debian's ISC <c>dhclient</c> inside a test pod's netns, configured only to record: its <c>-sf</c> script writes
/// what the server offered (address, mask, routers, MTU, DNS, lease time) to a file instead of configuring the
/// interface; lease and pid files live in a temp dir; one attempt with a short timeout.
/// </summary>
public sealed class DhclientRun : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vmnet-dhcp-").FullName;

    private string Script => Path.Combine(_dir, "record.sh");

    private string Config => Path.Combine(_dir, "dhclient.conf");

    private string Lease => Path.Combine(_dir, "lease");

    private string Pid => Path.Combine(_dir, "pid");

    private string Record => Path.Combine(_dir, "record");

    public DhclientRun()
    {
        File.WriteAllText(Config, "timeout 15;\nretry 1;\nrequest subnet-mask, routers, domain-name-servers, interface-mtu, dhcp-lease-time;\n");
        File.WriteAllText(Script, $"#!/bin/sh\ncase \"$reason\" in BOUND|RENEW|REBOOT|REBIND) env | grep '^new_' | sort > {Record}.tmp && echo \"reason=$reason\" >> {Record}.tmp && mv {Record}.tmp {Record} ;; esac\nexit 0\n");
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("dhclient runs in Linux network namespaces");
        }

        File.SetUnixFileMode(Script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>Asks for a lease (or re-requests the recorded one) on <paramref name="ifName"/>; returns what was recorded.</summary>
    public async Task<IReadOnlyDictionary<string, string>> AcquireAsync(string netns, string ifName = "eth0")
    {
        File.Delete(Record);
        var result = await NetworkNamespace.ExecAsync(netns, "dhclient", ["-1", "-v", "-cf", Config, "-sf", Script, "-lf", Lease, "-pf", Pid, ifName], TimeSpan.FromSeconds(40));
        await StopAsync(netns, ifName);
        if (!File.Exists(Record))
        {
            throw new InvalidOperationException($"dhclient got no lease (exit {result.ExitCode}): {result.Stdout}\n{result.Stderr}");
        }

        return File.ReadAllLines(Record)
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
    }

    private async Task StopAsync(string netns, string ifName)
    {
        if (File.Exists(Pid) && int.TryParse(File.ReadAllText(Pid).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            // -x stops the backgrounded client without releasing the lease (renewal tests re-request it).
            await NetworkNamespace.ExecAsync(netns, "dhclient", ["-x", "-cf", Config, "-sf", Script, "-lf", Lease, "-pf", Pid, ifName], TimeSpan.FromSeconds(10));
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
