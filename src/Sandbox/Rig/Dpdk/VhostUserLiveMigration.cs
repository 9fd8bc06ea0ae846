using System.Text.Json;
using System.Text.Json.Nodes;
using VmNet.Sandbox.Qemu;

namespace VmNet.Sandbox.Rig.Dpdk;

/// <summary>
/// QMP-driven live migration between two <see cref="VhostUserVm"/>s (the tap-based <see cref="LiveMigration"/>
/// drives <see cref="QemuVm"/>s): migrate over a unix socket, poll query-migrate, the target's RESUME, QEMU's downtime.
/// </summary>
public static class VhostUserLiveMigration
{
    public static async Task<MigrationResult> MigrateAsync(VhostUserVm source, VhostUserVm target, string uri, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        JsonObject Events() => new() { ["capabilities"] = new JsonArray(new JsonObject { ["capability"] = "events", ["state"] = true }) };
        await source.Qmp.ExecuteAsync("migrate-set-capabilities", Events(), cancellationToken).ConfigureAwait(false);
        await target.Qmp.ExecuteAsync("migrate-set-capabilities", Events(), cancellationToken).ConfigureAwait(false);
        var started = DateTimeOffset.UtcNow;
        await source.Qmp.ExecuteAsync("migrate", new JsonObject { ["uri"] = uri }, cancellationToken).ConfigureAwait(false);
        JsonElement info;
        string status;
        while (true)
        {
            info = await source.Qmp.ExecuteAsync("query-migrate", cancellationToken: cancellationToken).ConfigureAwait(false);
            status = info.TryGetProperty("status", out var s) ? s.GetString() ?? "" : "";
            if (status is "completed" or "failed" or "cancelled")
            {
                break;
            }

            if (DateTimeOffset.UtcNow - started > timeout)
            {
                await source.Qmp.ExecuteAsync("migrate_cancel", cancellationToken: cancellationToken).ConfigureAwait(false);
                throw new QemuException($"vhost-user migration to {uri} still '{status}' after {timeout.TotalSeconds:0} s; cancelled");
            }

            await Task.Delay(2, cancellationToken).ConfigureAwait(false);
        }

        var finished = DateTimeOffset.UtcNow;
        DateTimeOffset? resumed = null;
        if (status == "completed")
        {
            resumed = (await target.Qmp.WaitForEventAsync("RESUME", started, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false)).Timestamp;
            for (var i = 0; i < 100 && Milliseconds(info, "downtime") is null or 0; i++)
            {
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
                info = await source.Qmp.ExecuteAsync("query-migrate", cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }

        return new MigrationResult
        {
            Status = status,
            MigrateCommandAt = started,
            FinishedSeenAt = finished,
            SourceStoppedAt = source.Qmp.Events.FirstOrDefault(e => e.Name == "STOP" && e.Timestamp >= started)?.Timestamp,
            TargetResumedAt = resumed,
            Downtime = Milliseconds(info, "downtime") is { } d ? TimeSpan.FromMilliseconds(d) : null,
            TotalTime = Milliseconds(info, "total-time") is { } t ? TimeSpan.FromMilliseconds(t) : null,
            RamTransferredBytes = info.TryGetProperty("ram", out var ram) && ram.TryGetProperty("transferred", out var sent) ? sent.GetInt64() : 0,
            Error = info.TryGetProperty("error-desc", out var error) ? error.GetString() : null,
        };
    }

    private static long? Milliseconds(JsonElement info, string name) =>
        info.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : null;
}
