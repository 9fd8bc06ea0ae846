using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using VmNet.Daemon.Netlink;

namespace VmNet.Daemon.Pods;

/// <summary>
/// Checks from inside the pod's netns that the gateway answers, as Kube-OVN does (facts §8.4 step 12):
/// an IPv4 gateway by ARP resolution on the pod's interface, retried every few milliseconds so the check
/// ends as soon as ovn-controller's flows pass traffic; an IPv6 gateway by ICMP echo. Sockets are created
/// on a thread that has entered the netns, so probes leave through the pod's interface.
/// </summary>
public static class GatewayChecker
{
    private static readonly TimeSpan ArpRetryInterval = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan PingAttemptTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>True as soon as the gateway answered; false when it did not within <paramref name="timeout"/>.</summary>
    public static async Task<bool> AnswersAsync(PodInterfaceSpec pod, IPAddress gateway, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(gateway);
        using var ns = NetworkNamespace.Open(pod.NetnsPath);
        if (gateway.AddressFamily == AddressFamily.InterNetwork && pod.Addresses.FirstOrDefault(a => !a.IsIPv6) is { Address: { } source })
        {
            return await ns.RunAsync(
                () => ArpProbe.Resolve(pod.IfName, pod.Mac, source, gateway, timeout, ArpRetryInterval, cancellationToken) is not null,
                cancellationToken).ConfigureAwait(false);
        }

        return await PingsAsync(ns, gateway, timeout, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> PingsAsync(NetworkNamespace ns, IPAddress gateway, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var status = await ns.RunAsync(() => Ping(gateway), cancellationToken).ConfigureAwait(false);
            if (status == IPStatus.Success)
            {
                return true;
            }

            // An unanswered echo already waited PingAttemptTimeout; an immediate error (no route yet) gets a short pause.
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
            return ping.Send(gateway, (int)PingAttemptTimeout.TotalMilliseconds).Status;
        }
        catch (PingException)
        {
            return IPStatus.DestinationUnreachable;
        }
    }
}
