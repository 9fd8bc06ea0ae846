using VmNet.Sandbox.Rig;
using Xunit;

namespace VmNet.TestSupport;

/// <summary>
/// Class/collection fixture: one bare ovsdb-server (no northd touching the data) with unix and TCP
/// listeners in a per-run temp directory, recorded for <see cref="RigJanitor"/>. Subclasses pick the schema.
/// </summary>
public abstract class OvsdbServerFixture : IAsyncLifetime
{
    private OvsdbServerProcess? server;
    private RigManifest? manifest;

    public RigRunId RunId { get; } = RigRunId.New();

    public OvsdbServerProcess Server => server ?? throw new InvalidOperationException(GetType().Name + " is not initialised");

    public string UnixConnection => Server.UnixConnection;

    public string TcpConnection => Server.TcpConnection!;

    public async Task InitializeAsync()
    {
        RigPrerequisites.EnsureInstalled();
        await RigJanitor.CleanDeadRunsAsync().ConfigureAwait(false);
        manifest = RigManifest.Create(RunId.DefaultDirectory);
        server = await OvsdbServerProcess.StartAsync(CreateOptions(manifest.Directory) with { Manifest = manifest }).ConfigureAwait(false);
    }

    /// <summary>Kills the server (kill -9) and restarts it on the same file, socket and (if free) port.</summary>
    public async Task CrashAndRestartAsync(CancellationToken cancellationToken = default)
    {
        await Server.KillAsync(cancellationToken).ConfigureAwait(false);
        await Server.RestartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        if (manifest is not null)
        {
            await RigJanitor.CleanRunAsync(manifest.Directory, CancellationToken.None).ConfigureAwait(false);
        }

        GC.SuppressFinalize(this);
    }

    protected abstract OvsdbServerOptions CreateOptions(string directory);
}

/// <summary>A bare OVN_Northbound ovsdb-server (unix + TCP).</summary>
public sealed class NorthboundOvsdbFixture : OvsdbServerFixture
{
    protected override OvsdbServerOptions CreateOptions(string directory) => OvsdbServerOptions.ForNorthbound(directory, listenTcp: true);
}

/// <summary>A bare Open_vSwitch ovsdb-server (unix + TCP).</summary>
public sealed class OpenVSwitchOvsdbFixture : OvsdbServerFixture
{
    protected override OvsdbServerOptions CreateOptions(string directory) => OvsdbServerOptions.ForOpenVSwitch(directory, listenTcp: true);
}
