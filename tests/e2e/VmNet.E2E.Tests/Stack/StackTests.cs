using VmNet.E2E.Rig;

namespace VmNet.E2E.Stack;

/// <summary>
/// Issue #5 end to end with nothing played: the real controller addresses pods, the real daemon of each node
/// plugs them, and the CNI binary is exec'd as kubelet execs it. One class (split over files by topic) so
/// the stack starts once.
/// </summary>
[Collection(RigCollection.Name)]
public sealed partial class StackTests(StackFixture fixture) : IClassFixture<StackFixture>
{
    private Sandbox.Stack.VmNetStack Stack => fixture.Stack;

    private Sandbox.Stack.Kubelet Kubelet => fixture.Kubelet;
}
