using Xunit;
using VmNet.Sandbox.Rig;

namespace VmNet.TestSupport;

/// <summary>
/// Class/collection fixture owning one <see cref="Sandbox.Rig.Rig"/>. Subclasses choose the shape via
/// <see cref="CreateOptions"/> and add topology/pods in <see cref="OnStartedAsync"/>. Dead runs of earlier
/// crashed test processes are cleaned first. Missing tools fail the fixture (no skipping).
/// </summary>
public abstract class RigFixture : IAsyncLifetime
{
    private Rig? rig;

    public Rig Rig => rig ?? throw new InvalidOperationException(GetType().Name + " is not initialised");

    public OvnCentral Central => Rig.Central;

    public async Task InitializeAsync()
    {
        RigPrerequisites.EnsureInstalled();
        await RigJanitor.CleanDeadRunsAsync().ConfigureAwait(false);
        rig = await Rig.StartAsync(CreateOptions()).ConfigureAwait(false);
        try
        {
            await OnStartedAsync(rig).ConfigureAwait(false);
        }
        catch
        {
            await rig.StopAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (rig is not null)
        {
            await rig.StopAsync().ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }

    protected abstract RigOptions CreateOptions();

    /// <summary>Hook for topology and pods; the rig is torn down if it throws.</summary>
    protected virtual Task OnStartedAsync(Rig startedRig) => Task.CompletedTask;
}
