using System.Net;
using System.Net.Sockets;
using System.Text;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// The guest's own view of its network identity, read from its netinfo service (port 5001) or its
/// GUEST-READY serial line: "mac=.. ip=.. boot=.. uptime=..". BootId proves a migration was live (no reboot).
/// </summary>
public sealed record GuestNetInfo(string Mac, string IpCidr, string BootId, double UptimeSeconds)
{
    public static GuestNetInfo Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(f => f.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
        string Field(string name) => fields.TryGetValue(name, out var v) && v.Length > 0
            ? v
            : throw new FormatException($"guest netinfo '{line}' has no {name}= field");
        return new GuestNetInfo(
            Field("mac"),
            Field("ip"),
            Field("boot"),
            double.Parse(Field("uptime"), System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Asks the guest over TCP from inside <paramref name="netns"/>.</summary>
    public static async Task<GuestNetInfo> QueryAsync(string netns, string ip, CancellationToken cancellationToken = default)
    {
        using var socket = await NetnsThread.CreateSocketAsync(netns, AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(IPAddress.Parse(ip), GuestImage.NetInfoPort, timeout.Token).ConfigureAwait(false);
        var text = new StringBuilder();
        var buffer = new byte[512];
        while (true)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        return Parse(text.ToString().Trim());
    }
}
