using System.Net;
using System.Net.NetworkInformation;
using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Pods;

/// <summary>
/// Checks from inside the pod's netns that the gateway answers ICMP echo. The ping socket is created on
/// a thread that has entered the netns, so the probe leaves through the pod's interface.
/// </summary>
public static class GatewayChecker
{
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>True as soon as one echo is answered; false when none was within <paramref name="timeout"/>.</summary>
    public static async Task<bool> AnswersAsync(string netnsPath, IPAddress gateway, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var ns = NetworkNamespace.Open(netnsPath);
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var status = await ns.RunAsync(() => Ping(gateway), cancellationToken).ConfigureAwait(false);
            if (status == IPStatus.Success)
            {
                return true;
            }

            // An unanswered echo already waited AttemptTimeout; an immediate error (no route yet) gets a short pause.
            if (status != IPStatus.TimedOut)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
            }
        }

        return false;
    }

    private static IPStatus Ping(IPAddress gateway)
    {
        using var ping = new Ping();
        try
        {
            return ping.Send(gateway, (int)AttemptTimeout.TotalMilliseconds).Status;
        }
        catch (PingException)
        {
            return IPStatus.DestinationUnreachable;
        }
    }
}
