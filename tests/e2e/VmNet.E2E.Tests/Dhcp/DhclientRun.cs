using System.Diagnostics;
using System.Globalization;
using VmNet.Sandbox.Rig;

namespace VmNet.E2E.Dhcp;

/// <summary>
/// Debian's ISC <c>dhclient</c> (v4, or <c>-6</c>) inside a test pod's netns, configured only to record: its <c>-sf</c>
/// script writes what the server offered (address, mask, routers, MTU, DNS, lease time) to a file instead of
/// configuring the interface; lease and pid files live in a temp dir. <see cref="AcquireAsync"/> is one request;
/// <see cref="StartAsync"/> leaves the client running in the background so its own renewal timers fire.
/// </summary>
public sealed class DhclientRun : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vmnet-dhcp-").FullName;
    private readonly bool _ipv6;
    private string? _netns;
    private string? _ifName;

    /// <param name="ipv6">Run <c>dhclient -6</c>.</param>
    /// <param name="configure">
    /// v4 only: also apply the lease as a guest would (address, and a host route to the server through the offered
    /// router), so the client's unicast RENEW reaches OVN's responder.
    /// </param>
    public DhclientRun(bool ipv6 = false, bool configure = false)
    {
        _ipv6 = ipv6;
        var request = ipv6 ? "request dhcp6.name-servers;\n" : "request subnet-mask, routers, domain-name-servers, interface-mtu, dhcp-lease-time;\n";
        File.WriteAllText(Config, "timeout 15;\nretry 1;\n" + request);
        var apply = configure && !ipv6
            ? "ip -4 addr replace \"$new_ip_address/$new_subnet_mask\" dev \"$interface\" && ip -4 route replace \"$new_dhcp_server_identifier/32\" via \"$new_routers\" dev \"$interface\"; "
            : string.Empty;
        File.WriteAllText(Script, $"#!/bin/sh\ncase \"$reason\" in BOUND|RENEW|REBOOT|REBIND|BOUND6|RENEW6|REBIND6) {apply}env | grep '^new_' | sort > {Record}.tmp && echo \"reason=$reason\" >> {Record}.tmp && mv {Record}.tmp {Record} ;; esac\nexit 0\n");
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("dhclient runs in Linux network namespaces");
        }

        File.SetUnixFileMode(Script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private string Script => Path.Combine(_dir, "record.sh");

    private string Config => Path.Combine(_dir, "dhclient.conf");

    private string Lease => Path.Combine(_dir, "lease");

    private string Pid => Path.Combine(_dir, "pid");

    private string Record => Path.Combine(_dir, "record");

    /// <summary>Asks for a lease (or re-requests the recorded one) on <paramref name="ifName"/>; returns what was recorded.</summary>
    public async Task<IReadOnlyDictionary<string, string>> AcquireAsync(string netns, string ifName = "eth0")
    {
        var record = await StartAsync(netns, ifName);
        await StopAsync();
        return record;
    }

    /// <summary>Gets a lease and leaves the client running (it renews on its own T1/T2 timers).</summary>
    public async Task<IReadOnlyDictionary<string, string>> StartAsync(string netns, string ifName = "eth0")
    {
        File.Delete(Record);
        (_netns, _ifName) = (netns, ifName);
        var result = await NetworkNamespace.ExecAsync(netns, "dhclient", [.. Family, "-1", "-v", .. Files, ifName], TimeSpan.FromSeconds(40));
        if (!File.Exists(Record))
        {
            await StopAsync();
            throw new InvalidOperationException($"dhclient {string.Join(' ', Family)} got no lease (exit {result.ExitCode}): {result.Stdout}\n{result.Stderr}");
        }

        // The client forks into the background once bound and only then writes its pid file.
        for (var i = 0; i < 50 && !(ClientPid() is { } pid && IsClient(pid)); i++)
        {
            await Task.Delay(100);
        }

        return Read();
    }

    /// <summary>Waits until the running client records a lease event <paramref name="accept"/> takes.</summary>
    public async Task<IReadOnlyDictionary<string, string>> WaitForRecordAsync(Func<IReadOnlyDictionary<string, string>, bool> accept, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        IReadOnlyDictionary<string, string> last = new Dictionary<string, string>();
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(Record))
            {
                last = Read();
                if (accept(last))
                {
                    return last;
                }
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"dhclient recorded no matching lease event in {timeout.TotalSeconds:0}s; last: {string.Join(", ", last.Select(p => p.Key + "=" + p.Value))}");
    }

    /// <summary>Stops the background client without releasing the lease (a later request re-uses it).</summary>
    public async Task StopAsync()
    {
        if (_netns is not null && _ifName is not null && ClientPid() is { } pid)
        {
            await NetworkNamespace.ExecAsync(_netns, "dhclient", [.. Family, "-x", .. Files, _ifName], TimeSpan.FromSeconds(10));
            // dhclient -6 -x does not always end the client: what we started must not outlive the test.
            KillIfRunning(pid);
        }
    }

    public void Dispose()
    {
        // A test that failed mid-way must not leave its background client behind.
        if (ClientPid() is { } pid)
        {
            KillIfRunning(pid);
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A client that was just killed may still be closing its lease file; the temp dir is left to the OS.
        }
    }

    private static bool IsClient(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim() == "dhclient";
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static void KillIfRunning(int pid)
    {
        for (var i = 0; i < 20 && IsClient(pid); i++)
        {
            Thread.Sleep(100);
        }

        if (!IsClient(pid))
        {
            return;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (ArgumentException)
        {
            // Gone meanwhile.
        }
    }

    private string[] Family => _ipv6 ? ["-6"] : ["-4"];

    private string[] Files => ["-cf", Config, "-sf", Script, "-lf", Lease, "-pf", Pid];

    private int? ClientPid() =>
        File.Exists(Pid) && int.TryParse(File.ReadAllText(Pid).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;

    private Dictionary<string, string> Read() => File.ReadAllLines(Record)
        .Select(l => l.Split('=', 2))
        .Where(p => p.Length == 2)
        .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
}
