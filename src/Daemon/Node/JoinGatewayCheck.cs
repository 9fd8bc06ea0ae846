using System.Net;
using System.Net.NetworkInformation;
using VmNet.Daemon.Pods;
using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Daemon.Node;

/// <summary>
/// After ovn0 is up: pings the join gateway from the node's namespace and reports the outcome as the Node
/// condition <c>NetworkUnavailable</c> (False/<c>JoinSubnetGatewayReachable</c> or
/// True/<c>JoinSubnetGatewayUnreachable</c>, facts §2.4) through the status subresource.
/// </summary>
public sealed class JoinGatewayCheck(HostNetwork host, IKubeClient kube)
{
    public const string ConditionType = "NetworkUnavailable";
    public const string ReachableReason = "JoinSubnetGatewayReachable";
    public const string UnreachableReason = "JoinSubnetGatewayUnreachable";

    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>True as soon as <paramref name="gateway"/> answers one echo; false when none did within <paramref name="timeout"/>.</summary>
    public async Task<bool> PingAsync(IPAddress gateway, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var status = host.Namespace is { } ns
                ? await ns.RunAsync(() => Ping(gateway), cancellationToken).ConfigureAwait(false)
                : await Task.Run(() => Ping(gateway), cancellationToken).ConfigureAwait(false);
            if (status == IPStatus.Success)
            {
                return true;
            }

            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            // An unanswered echo already waited AttemptTimeout; an immediate error (no flow yet) gets a pause.
            if (status != IPStatus.TimedOut)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes the NetworkUnavailable condition on <paramref name="nodeName"/> (read-modify-write, retried on conflict).</summary>
    public async Task SetConditionAsync(string nodeName, bool reachable, string message, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var node = await kube.GetAsync<V1Node>(null, nodeName, cancellationToken).ConfigureAwait(false);
            node.Status ??= new V1NodeStatus();
            node.Status.Conditions = Apply(node.Status.Conditions, reachable, message, DateTimeOffset.UtcNow);
            try
            {
                await kube.ReplaceStatusAsync(node, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (KubeConflictException) when (attempt < 10)
            {
                // kubelet or the controller wrote the node meanwhile: read again.
            }
        }
    }

    /// <summary>The condition list with ours set; the transition time only moves when the status changes.</summary>
    public static List<V1NodeCondition> Apply(IReadOnlyList<V1NodeCondition>? conditions, bool reachable, string message, DateTimeOffset now)
    {
        var status = reachable ? "False" : "True";
        var result = (conditions ?? []).Where(c => c.Type != ConditionType).ToList();
        var previous = conditions?.FirstOrDefault(c => c.Type == ConditionType);
        result.Add(new V1NodeCondition
        {
            Type = ConditionType,
            Status = status,
            Reason = reachable ? ReachableReason : UnreachableReason,
            Message = message,
            LastHeartbeatTime = now,
            LastTransitionTime = previous?.Status == status && previous.LastTransitionTime is { } since ? since : now,
        });
        return result;
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
