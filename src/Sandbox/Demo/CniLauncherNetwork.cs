using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Stack;

namespace VmNet.Sandbox.Demo;

/// <summary>
/// Launcher pods networked the way a node does it: the container runtime's netns for the pod, then kubelet's
/// CNI ADD through the real CNI binary to the node's vmnet-daemon for eth0 and, playing Multus, one ADD per
/// secondary network with the NAD's config (ifname net&lt;n&gt;). Multus on a real node reaches the daemon at the
/// NAD's server_socket; every sandbox node has its own socket, so that one field is pointed at the pod's node.
/// </summary>
public sealed class CniLauncherNetwork(VmNetStack stack, SandboxApi api) : ILauncherNetwork
{
    private int counter;

    public string Description => $"CNI ADD/DEL through {stack.Cni.BinaryPath} and each node's vmnet-daemon (Multus NICs with their NAD's config)";

    public async Task<LauncherSandbox> AddAsync(LauncherPodSpec pod, IReadOnlyList<NicAddress> addresses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(addresses);
        var node = stack.Rig.Node(pod.Node);
        var index = Interlocked.Increment(ref counter).ToString(CultureInfo.InvariantCulture);
        var netns = InterfaceNames.Validate(stack.Rig.RunId.Value + "l" + index, "netns");
        stack.Rig.Manifest.RecordNetns(netns);
        await NetworkNamespace.AddAsync(netns, cancellationToken).ConfigureAwait(false);
        var sandboxPod = new StackPod(pod.Namespace, pod.Name, node, netns, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));
        var nics = new List<PluggedNic>();
        var sandbox = new LauncherSandbox(pod, node, netns, nics) { ContainerId = sandboxPod.ContainerId };
        try
        {
            foreach (var address in addresses)
            {
                var invocation = stack.Kubelet.Invocation(sandboxPod, "ADD");
                if (!address.IsDefault)
                {
                    var network = pod.SecondaryNetworks.Single(s => s.Interface == address.Interface);
                    invocation = invocation with { IfName = address.Interface, NetConf = await NadNetConfAsync(network, node, cancellationToken).ConfigureAwait(false) };
                }

                var outcome = await stack.Kubelet.RunAsync(invocation, cancellationToken).ConfigureAwait(false);
                if (!outcome.Succeeded)
                {
                    throw new InvalidOperationException($"CNI ADD {address.Interface} of pod {pod.Namespace}/{pod.Name} on {node.Name} failed: {outcome.ErrorText}\n{outcome}\n{stack.Daemon(node).LogTail(20)}");
                }

                nics.Add(new PluggedNic(address, await OvsPortOfAsync(node, address.LogicalPort, cancellationToken).ConfigureAwait(false)) { CniResult = outcome.FirstAddress });
            }

            return sandbox;
        }
        catch
        {
            await DeleteAsync(sandbox, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>CNI DEL of every NIC (secondary first, as Multus does), then the netns goes with the pod sandbox.</summary>
    public async Task DeleteAsync(LauncherSandbox sandbox, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        var sandboxPod = new StackPod(sandbox.Pod.Namespace, sandbox.Pod.Name, sandbox.Node, sandbox.Netns, sandbox.ContainerId);
        var failures = new List<string>();
        foreach (var network in sandbox.Pod.SecondaryNetworks.Reverse())
        {
            var invocation = stack.Kubelet.Invocation(sandboxPod, "DEL") with
            {
                IfName = network.Interface,
                NetConf = await NadNetConfAsync(network, sandbox.Node, cancellationToken).ConfigureAwait(false),
            };
            var outcome = await stack.Kubelet.RunAsync(invocation, cancellationToken).ConfigureAwait(false);
            if (!outcome.Succeeded)
            {
                failures.Add(outcome.ToString());
            }
        }

        var del = await stack.Kubelet.DelAsync(sandboxPod, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!del.Succeeded)
        {
            failures.Add(del.ToString());
        }

        if (NetworkNamespace.Exists(sandbox.Netns))
        {
            await NetworkNamespace.DeleteAsync(sandbox.Netns, cancellationToken).ConfigureAwait(false);
        }

        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"CNI DEL of pod {sandbox.Pod.Namespace}/{sandbox.Pod.Name} failed:\n{string.Join('\n', failures)}");
        }
    }

    /// <summary>The NAD's spec.config as Multus hands it to the delegate: named after the NAD, socket of this node's daemon.</summary>
    private async Task<string> NadNetConfAsync(SecondaryNetwork network, OvsNode node, CancellationToken cancellationToken)
    {
        var nad = await api.KubectlAsync(["get", "network-attachment-definitions", network.Name, "-n", network.Namespace, "-o", "jsonpath={.spec.config}"], cancellationToken).ConfigureAwait(false);
        var config = JsonNode.Parse(nad.Stdout)?.AsObject()
            ?? throw new InvalidOperationException($"NetworkAttachmentDefinition {network.Namespace}/{network.Name} has no JSON spec.config");
        config["name"] ??= network.Name;
        config["server_socket"] = stack.Daemon(node).KubeOvnSocketPath;
        return config.ToJsonString();
    }

    /// <summary>The br-int port the daemon plugged for <paramref name="logicalPort"/> on <paramref name="node"/>.</summary>
    private static async Task<string> OvsPortOfAsync(OvsNode node, string logicalPort, CancellationToken cancellationToken)
    {
        var found = await node.VsctlAsync(["--bare", "--columns=name", "find", "Interface", "external_ids:iface-id=" + logicalPort], cancellationToken).ConfigureAwait(false);
        return found.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault()
            ?? throw new InvalidOperationException($"after CNI ADD no br-int port on {node.Name} has iface-id={logicalPort}");
    }
}
