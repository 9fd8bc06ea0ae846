using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Stack;
using VmNet.TestSupport;

namespace VmNet.E2E.Nodes;

/// <summary>
/// A <see cref="VmNetStack"/> of its own (the tests delete nodes and subnets): two Geneve nodes, the real
/// controller with every module (its TopologyModule builds ovn-cluster, ovn-default and join) and one real
/// daemon per node. Once up, each Node gets its InternalIP (its underlay address) through the status
/// subresource, as kubelet reports it; then the controller allocates the join ports and the daemons plug ovn0.
/// </summary>
public sealed class NodeNetworkingFixture : IAsyncLifetime
{
    private VmNetStack? stack;

    public VmNetStack Stack => stack ?? throw new InvalidOperationException("the stack is not started");

    public async Task InitializeAsync()
    {
        RigPrerequisites.EnsureInstalled();
        await RigJanitor.CleanDeadRunsAsync();
        stack = await VmNetStack.StartAsync(new StackOptions { RepositoryRoot = TestPaths.RepoRoot, AnnotationTimeout = TimeSpan.FromSeconds(10) });
        foreach (var node in stack.Nodes)
        {
            await SetInternalIpAsync(stack.Kube, node.Name, InternalIp(node));
        }
    }

    public static string InternalIp(OvsNode node) => node.Options.UnderlayAddress.Split('/')[0];

    /// <summary>Writes <c>status.addresses</c> (InternalIP + Hostname) the way kubelet does, retrying on conflicts.</summary>
    public static async Task SetInternalIpAsync(IKubeClient kube, string name, string ip)
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await kube.GetAsync<V1Node>(null, name);
            current.Status ??= new V1NodeStatus();
            current.Status.Addresses = [new V1NodeAddress { Type = "InternalIP", Address = ip }, new V1NodeAddress { Type = "Hostname", Address = name }];
            try
            {
                await kube.ReplaceStatusAsync(current);
                return;
            }
            catch (KubeConflictException) when (attempt < 10)
            {
                // The daemon wrote the node meanwhile (chassis annotation, condition): read again.
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (stack is not null)
        {
            await stack.DisposeAsync();
        }
    }
}
