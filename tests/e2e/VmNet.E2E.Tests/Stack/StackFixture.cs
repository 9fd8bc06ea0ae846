using VmNet.Sandbox.Rig;
using VmNet.Sandbox.Stack;
using VmNet.TestSupport;

namespace VmNet.E2E.Stack;

/// <summary>
/// One <see cref="VmNetStack"/> for the class: OVN central + two Geneve nodes, the API server, the real
/// vmnet-controller and one real vmnet-daemon per node. ADD waits at most 6 s for annotations, so the
/// "annotation never arrives" case stays cheap.
/// </summary>
public sealed class StackFixture : IAsyncLifetime
{
    public static readonly TimeSpan AnnotationTimeout = TimeSpan.FromSeconds(6);

    private VmNetStack? stack;

    public VmNetStack Stack => stack ?? throw new InvalidOperationException("the stack is not started");

    public Kubelet Kubelet => Stack.Kubelet;

    public OvsNode Node1 => Stack.Nodes[0];

    public OvsNode Node2 => Stack.Nodes[1];

    public async Task InitializeAsync()
    {
        RigPrerequisites.EnsureInstalled();
        await RigJanitor.CleanDeadRunsAsync();
        stack = await VmNetStack.StartAsync(new StackOptions { RepositoryRoot = TestPaths.RepoRoot, AnnotationTimeout = AnnotationTimeout });
    }

    public async Task DisposeAsync()
    {
        if (stack is not null)
        {
            await stack.DisposeAsync();
        }
    }
}
