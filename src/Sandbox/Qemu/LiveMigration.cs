using System.Text.Json;
using System.Text.Json.Nodes;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// Drives a QEMU live migration over QMP: "migrate" on the source, query-migrate polled every 2 ms until a
/// final state, then the target's RESUME event and QEMU's downtime. The channel is any URI both QEMUs can
/// reach; the rig uses a unix socket (filesystem paths cross network namespaces, routes are not needed).
/// </summary>
public static class LiveMigration
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(2);

    public static async Task<MigrationResult> MigrateAsync(QemuVm source, QemuVm target, string uri, MigrationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        var capabilities = new JsonObject { ["capabilities"] = new JsonArray(new JsonObject { ["capability"] = "events", ["state"] = true }) };
        await source.Qmp.ExecuteAsync("migrate-set-capabilities", capabilities, cancellationToken).ConfigureAwait(false);
        await target.Qmp.ExecuteAsync("migrate-set-capabilities", (JsonObject)capabilities.DeepClone(), cancellationToken).ConfigureAwait(false);
        if (options.MaxBandwidth is { } bandwidth)
        {
            await source.Qmp.ExecuteAsync("migrate-set-parameters", new JsonObject { ["max-bandwidth"] = bandwidth }, cancellationToken).ConfigureAwait(false);
        }

        var started = DateTimeOffset.UtcNow;
        await source.Qmp.ExecuteAsync("migrate", new JsonObject { ["uri"] = uri }, cancellationToken).ConfigureAwait(false);
        var cancelSent = false;
        JsonElement info;
        while (true)
        {
            info = await source.Qmp.ExecuteAsync("query-migrate", cancellationToken: cancellationToken).ConfigureAwait(false);
            var status = StatusOf(info);
            if (status is "completed" or "failed" or "cancelled")
            {
                break;
            }

            var elapsed = DateTimeOffset.UtcNow - started;
            if (!cancelSent && ((options.CancelAfter is { } cancelAfter && elapsed >= cancelAfter) || elapsed >= options.Timeout))
            {
                await source.Qmp.ExecuteAsync("migrate_cancel", cancellationToken: cancellationToken).ConfigureAwait(false);
                cancelSent = true;
            }
            else if (elapsed >= options.Timeout + TimeSpan.FromSeconds(10))
            {
                throw new QemuException($"migration to {uri} still '{status}' {elapsed.TotalSeconds:0} s after migrate (cancel sent {cancelSent})");
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }

        var finishedSeen = DateTimeOffset.UtcNow;
        var finalStatus = StatusOf(info);
        DateTimeOffset? resumed = null;
        if (finalStatus == "completed")
        {
            resumed = (await target.Qmp.WaitForEventAsync("RESUME", started, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false)).Timestamp;
            // "completed" can be reported before downtime and total-time are filled in: ask again.
            for (var i = 0; i < 100 && Milliseconds(info, "downtime") is null or 0; i++)
            {
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
                info = await source.Qmp.ExecuteAsync("query-migrate", cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }

        var stopped = source.Qmp.Events.FirstOrDefault(e => e.Name == "STOP" && e.Timestamp >= started)?.Timestamp;
        return new MigrationResult
        {
            Status = finalStatus,
            MigrateCommandAt = started,
            FinishedSeenAt = finishedSeen,
            SourceStoppedAt = stopped,
            TargetResumedAt = resumed,
            Downtime = Milliseconds(info, "downtime") is { } d ? TimeSpan.FromMilliseconds(d) : null,
            TotalTime = Milliseconds(info, "total-time") is { } t ? TimeSpan.FromMilliseconds(t) : null,
            RamTransferredBytes = info.TryGetProperty("ram", out var ram) && ram.TryGetProperty("transferred", out var sent) ? sent.GetInt64() : 0,
            Error = info.TryGetProperty("error-desc", out var error) ? error.GetString() : null,
        };
    }

    private static string StatusOf(JsonElement info) =>
        info.TryGetProperty("status", out var s) ? s.GetString() ?? string.Empty : string.Empty;

    private static long? Milliseconds(JsonElement info, string field) =>
        info.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : null;
}
