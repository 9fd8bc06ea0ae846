using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Stack;

/// <summary>
/// When the stack is usable: each daemon answers CNI STATUS through the binary (it reports ready only with OVS
/// connected, br-int present and its chassis in SB), every node's chassis is in SB, and the controller has made
/// the default and join subnets ready (Ready condition, i.e. their switches and router ports are in NB).
/// Every wait is bounded by <see cref="StackOptions.ReadyTimeout"/> and fails with the logs that explain it.
/// </summary>
public sealed class StackReadiness
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);
    private readonly VmNetStack stack;

    internal StackReadiness(VmNetStack stack) => this.stack = stack;

    public async Task WaitAllAsync(CancellationToken cancellationToken = default)
    {
        foreach (var daemon in stack.Daemons)
        {
            await WaitDaemonReadyAsync(daemon, cancellationToken).ConfigureAwait(false);
        }

        var expected = stack.Nodes.Select(n => n.Name).ToList();
        await WaitAsync(
            "every chassis in the Southbound DB",
            async ct => expected.All((await stack.Rig.Central.ChassisNamesAsync(ct).ConfigureAwait(false)).Contains),
            cancellationToken).ConfigureAwait(false);
        await WaitSubnetReadyAsync(VmNetStack.DefaultSubnet, cancellationToken).ConfigureAwait(false);
        await WaitSubnetReadyAsync(VmNetStack.JoinSubnet, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The daemon process runs and CNI STATUS (cniVersion 1.1.0) on its socket succeeds.</summary>
    public Task WaitDaemonReadyAsync(NodeDaemon daemon, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(daemon);
        var status = new CniInvocation { Command = "STATUS", NetConf = CniPlugin.NetConf(daemon.SocketPath, "1.1.0") };
        return WaitAsync(
            $"{daemon} answering STATUS",
            async ct =>
            {
                if (!daemon.IsRunning)
                {
                    throw new RigException($"{daemon.Node.Name}'s vmnet-daemon exited (code {daemon.ExitCode}) before it was ready\n{daemon.LogTail()}");
                }

                return File.Exists(daemon.SocketPath)
                    && (await stack.Cni.RunAsync(status, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false)).Succeeded;
            },
            cancellationToken);
    }

    /// <summary>The Subnet exists and its Ready condition is True.</summary>
    public Task WaitSubnetReadyAsync(string name, CancellationToken cancellationToken = default) =>
        WaitAsync(
            $"subnet {name} Ready",
            async ct =>
            {
                if (stack.Controller is { HasExited: true } controller)
                {
                    throw new RigException($"vmnet-controller (pid {controller.Pid}) exited\n{controller.LogTail(40)}");
                }

                try
                {
                    var subnet = await stack.Kube.GetAsync<V1Subnet>(null, name, ct).ConfigureAwait(false);
                    return subnet.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;
                }
                catch (KubeNotFoundException)
                {
                    return false;
                }
            },
            cancellationToken);

    private async Task WaitAsync(string what, Func<CancellationToken, Task<bool>> condition, CancellationToken cancellationToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(stack.Options.ReadyTimeout);
        try
        {
            while (!await condition(bounded.Token).ConfigureAwait(false))
            {
                await Task.Delay(Poll, bounded.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{what}: not reached within {stack.Options.ReadyTimeout.TotalSeconds:0} s\n{stack.Diagnostics()}");
        }
    }
}
