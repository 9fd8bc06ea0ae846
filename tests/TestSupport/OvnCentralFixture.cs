using Xunit;
using VmNet.Sandbox.Rig;

namespace VmNet.TestSupport;

/// <summary>
/// Class/collection fixture: a real OVN central (NB + SB ovsdb-server with unix and TCP listeners,
/// ovn-northd) in a per-run temp directory, stopped by PID and deleted afterwards.
/// Missing tools make the fixture fail with what to install; tests are never skipped.
/// </summary>
public class OvnCentralFixture : IAsyncLifetime
{
    private OvnCentral? central;
    private RigManifest? manifest;

    public RigRunId RunId { get; } = RigRunId.New();

    public OvnCentral Central => central ?? throw new InvalidOperationException("OvnCentralFixture is not initialised");

    public string NorthboundUnix => Central.NorthboundConnection;

    public string SouthboundUnix => Central.SouthboundConnection;

    public string NorthboundTcp => Central.Northbound.TcpConnection!;

    public string SouthboundTcp => Central.Southbound.TcpConnection!;

    public virtual async Task InitializeAsync()
    {
        RigPrerequisites.EnsureInstalled();
        await RigJanitor.CleanDeadRunsAsync().ConfigureAwait(false);
        manifest = RigManifest.Create(RunId.DefaultDirectory);
        central = await OvnCentral.StartAsync(Path.Combine(manifest.Directory, "central"), listenTcp: true, manifest).ConfigureAwait(false);
    }

    public virtual async Task DisposeAsync()
    {
        if (central is not null)
        {
            await central.StopAsync().ConfigureAwait(false);
        }

        if (manifest is not null)
        {
            await RigJanitor.CleanRunAsync(manifest.Directory, CancellationToken.None).ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }
}
