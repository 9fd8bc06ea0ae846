using Microsoft.Extensions.Logging;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Errors;

namespace VmNet.Daemon.Node;

/// <summary>
/// The daemon's own read-only view of the Southbound Chassis table, for STATUS. Connected in the
/// background with retries: a Southbound DB that is down must not keep the daemon (and DEL) from running.
/// </summary>
public sealed class SouthboundConnection(string remote, ILogger logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource stopping = new();
    private Task? connecting;

    public OvsdbClient? Client { get; private set; }

    public void Start() => connecting = ConnectAsync(stopping.Token);

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        if (connecting is not null)
        {
            await connecting.ConfigureAwait(false);
        }

        if (Client is not null)
        {
            await Client.DisposeAsync().ConfigureAwait(false);
        }

        stopping.Dispose();
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                Client = await OvsdbClient.ConnectAsync(
                    new OvsdbClientOptions { Endpoints = OvsdbClientOptions.ParseRemotes(remote), Database = "OVN_Southbound", Tables = ["Chassis"] },
                    cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (OvsdbException e)
            {
                logger.LogWarning("Southbound DB {Remote} not reachable for STATUS, retrying in {Delay}: {Error}", remote, delay, e.Message);
            }

            try
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
        }
    }
}
