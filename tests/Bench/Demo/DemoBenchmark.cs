using System.Globalization;
using VmNet.Sandbox.Demo;

namespace VmNet.Bench.Demo;

/// <summary>
/// `make demo` end to end, in process: first with QEMU (TCG) guests (what a user with QEMU installed sees), then
/// with netns guests (what CI runs) as the comparison. Per run: total time and the live migration's gap (ping
/// every 20 ms from the other node's VM; with QEMU also RESUME -> first packet delivered to the guest and
/// QEMU's downtime). The demo's own output goes to a log file, printed when a run fails.
/// Env: VMNET_BENCH_DEMO_GUESTS (qemu,netns by default; e.g. "netns" on a machine without QEMU).
/// </summary>
public sealed class DemoBenchmark : IBenchmark
{
    public string Name => "demo";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var variants = (Environment.GetEnvironmentVariable("VMNET_BENCH_DEMO_GUESTS") ?? "qemu,netns")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(GuestSelection.ParseRequest)
            .ToList();
        foreach (var guests in variants)
        {
            await RunOnceAsync(guests, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task RunOnceAsync(string guests, CancellationToken cancellationToken)
    {
        var stateDirectory = Path.Combine(Path.GetTempPath(), "vmnet-bench-demo-" + Guid.NewGuid().ToString("N")[..8]);
        var log = Path.Combine(Path.GetTempPath(), $"vmnet-bench-demo-{guests}.log");
        try
        {
            using var sandboxLock = SandboxLock.Acquire(stateDirectory);
            bool passed;
            LifecycleDemo demo;
            await using (var writer = new StreamWriter(log) { AutoFlush = true })
            {
                demo = new LifecycleDemo(writer, SandboxPaths.Discover(stateDirectory), new DemoOptions { Guests = guests });
                passed = await demo.RunAsync(cancellationToken).ConfigureAwait(false);
            }

            var summary = File.ReadLines(log).LastOrDefault(l => l.StartsWith(DemoSteps.SummaryPrefix, StringComparison.Ordinal)) ?? "(no summary)";
            Console.WriteLine($"demo ({guests} guests): {summary}; output in {log}");
            if (!passed)
            {
                throw new InvalidOperationException($"the demo with {guests} guests failed:\n{string.Join('\n', File.ReadLines(log).TakeLast(60))}");
            }

            var prefix = guests == "qemu" ? "demo" : "demo_" + guests;
            BenchReport.Figure(prefix + "_total_seconds", demo.Steps.Elapsed.TotalSeconds, "s");
            if (demo.LastMigration is { } migration)
            {
                BenchReport.Figure(prefix + "_migration_ping_gap_ms", migration.PingGap.TotalMilliseconds, "ms");
                BenchReport.Figure(prefix + "_migration_seconds", migration.MigrationTime.TotalSeconds, "s");
                if (migration.ResumeToFirstPacket is { } resume)
                {
                    BenchReport.Figure(prefix + "_migration_resume_to_first_packet_ms", resume.TotalMilliseconds, "ms");
                }

                if (migration.QemuDowntime is { } downtime)
                {
                    BenchReport.Figure(prefix + "_migration_qemu_downtime_ms", downtime.TotalMilliseconds, "ms");
                }
            }
        }
        finally
        {
            if (Directory.Exists(stateDirectory))
            {
                Directory.Delete(stateDirectory, recursive: true);
            }
        }
    }
}
