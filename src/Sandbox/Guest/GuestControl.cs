using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using VmNet.Sandbox.Qemu;

namespace VmNet.Sandbox.Guest;

/// <summary>One NIC as the guest's netinfo reports it (<c>nic.&lt;dev&gt;=&lt;mac&gt;,&lt;ip/prefix&gt;</c>).</summary>
public sealed record GuestNic(string Device, string Mac, string IpCidr)
{
    public string Ip => IpCidr.Split('/')[0];

    public override string ToString() => $"{Device} {Mac} {IpCidr}";
}

/// <summary>A ping run by the guest itself (guestctl, TCP 5002): its output and summary.</summary>
public sealed record GuestPing(string Target, int Transmitted, int Received, int ExitCode, string Output)
{
    public bool AllAnswered => ExitCode == 0 && Transmitted > 0 && Received == Transmitted;

    public string Summary => string.Create(CultureInfo.InvariantCulture, $"{Transmitted} packets transmitted, {Received} received (ping in the guest, exit {ExitCode})");
}

/// <summary>
/// Talks to the test guest's services over the VM network from a netns: netinfo (5001) with every NIC the guest
/// has, and guestctl (5002), which runs <c>ping -c N &lt;IPv4&gt;</c> inside the guest and returns its output.
/// </summary>
public static partial class GuestControl
{
    private static readonly TimeSpan ExchangeTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The guest's netinfo line ("mac=.. ip=.. boot=.. uptime=.. nic.eth0=.. nic.eth1=..").</summary>
    public static Task<string> QueryNetInfoLineAsync(string netns, string guestIp, CancellationToken cancellationToken) =>
        ExchangeAsync(netns, guestIp, GuestImage.NetInfoPort, null, cancellationToken);

    /// <summary>Every NIC in a netinfo line, by guest device name; NICs without an IPv4 address are left out.</summary>
    public static IReadOnlyDictionary<string, GuestNic> NicsOf(string netInfoLine)
    {
        ArgumentNullException.ThrowIfNull(netInfoLine);
        var nics = new Dictionary<string, GuestNic>(StringComparer.Ordinal);
        foreach (var field in netInfoLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(f => f.StartsWith("nic.", StringComparison.Ordinal)))
        {
            var kv = field["nic.".Length..].Split('=', 2);
            var value = kv.Length == 2 ? kv[1].Split(',') : [];
            if (value.Length != 2 || kv[0].Length == 0)
            {
                throw new FormatException($"guest netinfo field '{field}' is not nic.<dev>=<mac>,<ip/prefix>");
            }

            if (value[1] != "none")
            {
                nics[kv[0]] = new GuestNic(kv[0], value[0], value[1]);
            }
        }

        return nics;
    }

    /// <summary>Asks the guest at <paramref name="guestIp"/> to ping <paramref name="target"/> <paramref name="count"/> times (1..20).</summary>
    public static async Task<GuestPing> PingAsync(string netns, string guestIp, string target, int count, CancellationToken cancellationToken)
    {
        if (!IPAddress.TryParse(target, out var address) || address.AddressFamily != AddressFamily.InterNetwork || address.ToString() != target)
        {
            throw new ArgumentException($"ping target '{target}' is not a dotted IPv4 address", nameof(target));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 20);
        var output = await ExchangeAsync(netns, guestIp, GuestImage.ControlPort, string.Create(CultureInfo.InvariantCulture, $"ping {target} {count}\n"), cancellationToken).ConfigureAwait(false);
        return ParsePing(target, output);
    }

    /// <summary>Reads busybox ping's summary and guestctl's exit line; a refused command is a <see cref="FormatException"/>.</summary>
    public static GuestPing ParsePing(string target, string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var exit = ExitLine().Match(output);
        if (!exit.Success)
        {
            throw new FormatException($"guestctl did not run ping {target}: {output.Trim()}");
        }

        var summary = SummaryLine().Match(output);
        return new GuestPing(
            target,
            summary.Success ? int.Parse(summary.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            summary.Success ? int.Parse(summary.Groups[2].Value, CultureInfo.InvariantCulture) : 0,
            int.Parse(exit.Groups[1].Value, CultureInfo.InvariantCulture),
            output.Trim());
    }

    private static async Task<string> ExchangeAsync(string netns, string guestIp, int port, string? request, CancellationToken cancellationToken)
    {
        using var socket = await NetnsThread.CreateSocketAsync(netns, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ExchangeTimeout);
        await socket.ConnectAsync(IPAddress.Parse(guestIp), port, timeout.Token).ConfigureAwait(false);
        if (request is not null)
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, timeout.Token).ConfigureAwait(false);
        }

        var text = new StringBuilder();
        var buffer = new byte[2048];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            if (n == 0)
            {
                return text.ToString().Trim();
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
    }

    [GeneratedRegex(@"^guestctl-exit=(\d+)\s*$", RegexOptions.Multiline)]
    private static partial Regex ExitLine();

    [GeneratedRegex(@"(\d+) packets transmitted, (\d+) (?:packets )?received")]
    private static partial Regex SummaryLine();
}
