using System.Diagnostics;
using VmNet.Ipam;

namespace VmNet.Bench.Ipam;

/// <summary>
/// IPAM: fill a /16 (rate, and last-1000 vs first-1000 time to show no slow-down), churn on a fragmented
/// Released set, and rebuild from 10,000 records; each measured for VmNet and for a naive linear-scan
/// Kube-OVN-style peer in the same run.
/// </summary>
public sealed class IpamBenchmark : IBenchmark
{
    private const uint Network = (10u << 24) | (16u << 16); // 10.16.0.0/16
    private const int FillCount = 65_533; // usable .0.1-.255.254 minus the gateway
    private const int ChurnSpan = 16_384; // release every other NIC among the first 16,384
    private const int RebuildCount = 10_000;

    public string Name => "ipam";

    public Task RunAsync(CancellationToken cancellationToken)
    {
        // Warm-up so JIT time is not billed to whichever implementation runs first.
        RunOurs(2_000, churn: false, cancellationToken);
        RunLinear(2_000, churn: false, cancellationToken);

        // The machine is shared: every figure is the best of a few runs, alternating the two sides.
        var ours = Best(() => RunOurs(FillCount, churn: true, cancellationToken));
        var linear = Best(() => RunLinear(FillCount, churn: true, cancellationToken));

        BenchReport.Figure("ipam_alloc_count", FillCount, "allocations");
        BenchReport.Figure("ipam_alloc_per_s", FillCount / ours.Fill.TotalSeconds, "alloc/s");
        BenchReport.Figure("ipam_alloc_last_vs_first_ratio", ours.LastThousand / ours.FirstThousand, "x");
        BenchReport.Figure("ipam_alloc_linear_per_s", FillCount / linear.Fill.TotalSeconds, "alloc/s");
        BenchReport.Figure("ipam_alloc_linear_last_vs_first_ratio", linear.LastThousand / linear.FirstThousand, "x");
        BenchReport.Figure("ipam_alloc_ratio_vs_linear", linear.Fill.TotalSeconds / ours.Fill.TotalSeconds, "x");

        var churnOps = ChurnSpan; // ChurnSpan/2 releases + ChurnSpan/2 re-allocations
        BenchReport.Figure("ipam_churn_per_s", churnOps / ours.Churn.TotalSeconds, "op/s");
        BenchReport.Figure("ipam_churn_linear_per_s", churnOps / linear.Churn.TotalSeconds, "op/s");
        BenchReport.Figure("ipam_churn_ratio_vs_linear", linear.Churn.TotalSeconds / ours.Churn.TotalSeconds, "x");

        var rebuild = Enumerable.Range(0, Repetitions).Select(_ => MeasureRebuild(cancellationToken)).Min();
        var linearRebuild = Enumerable.Range(0, Repetitions).Select(_ => MeasureLinearRebuild(cancellationToken)).Min();
        BenchReport.Figure("ipam_rebuild_10k_ms", rebuild.TotalMilliseconds, "ms");
        BenchReport.Figure("ipam_rebuild_10k_linear_ms", linearRebuild.TotalMilliseconds, "ms");
        BenchReport.Figure("ipam_rebuild_ratio_vs_linear", linearRebuild.TotalMilliseconds / rebuild.TotalMilliseconds, "x");
        return Task.CompletedTask;
    }

    private const int Repetitions = 5;

    private static Result Best(Func<Result> run)
    {
        var results = Enumerable.Range(0, Repetitions).Select(_ =>
        {
            // Start every run from the same heap state, so a collection owed by the previous run is not billed here.
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return run();
        }).ToList();
        return new Result(
            results.Min(r => r.Fill), results.Min(r => r.FirstThousand), results.Min(r => r.LastThousand), results.Min(r => r.Churn));
    }

    private static Result RunOurs(int count, bool churn, CancellationToken cancellationToken)
    {
        var subnet = new SubnetIpam(new SubnetSpec("bench", "10.16.0.0/16"), new MacGenerator(new Random(1)));
        var (nics, owners) = Keys(count, "p");
        var fill = Fill(count, i => subnet.Allocate(new AllocationRequest(nics[i], owners[i])), cancellationToken);
        if (!churn)
        {
            return fill;
        }

        var (again, againOwners) = Keys(ChurnSpan / 2, "q");
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < ChurnSpan; i += 2)
        {
            subnet.ReleaseNic(nics[i]);
        }

        for (var i = 0; i < ChurnSpan / 2; i++)
        {
            subnet.Allocate(new AllocationRequest(again[i], againOwners[i]));
        }

        return fill with { Churn = Stopwatch.GetElapsedTime(started) };
    }

    private static Result RunLinear(int count, bool churn, CancellationToken cancellationToken)
    {
        var peer = new LinearRangeIpam(Network + 1, Network + 65_534, Network + 1);
        var (nics, owners) = Keys(count, "p");
        var fill = Fill(count, i => peer.Allocate(nics[i], owners[i]), cancellationToken);
        if (!churn)
        {
            return fill;
        }

        var (again, againOwners) = Keys(ChurnSpan / 2, "q");
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < ChurnSpan; i += 2)
        {
            peer.Release(nics[i]);
        }

        for (var i = 0; i < ChurnSpan / 2; i++)
        {
            peer.Allocate(again[i], againOwners[i]);
        }

        return fill with { Churn = Stopwatch.GetElapsedTime(started) };
    }

    /// <summary>
    /// Times the whole fill (wall clock) and, separately, its first and last 1,000 allocations (thread CPU
    /// time, so scheduling noise on a shared machine does not masquerade as a slow-down).
    /// </summary>
    private static Result Fill(int count, Action<int> allocate, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var firstThousand = TimeBlock(0, Math.Min(1_000, count), allocate);
        cancellationToken.ThrowIfCancellationRequested();
        TimeBlock(Math.Min(1_000, count), Math.Max(1_000, count - 1_000), allocate);
        cancellationToken.ThrowIfCancellationRequested();
        var lastThousand = TimeBlock(Math.Max(1_000, count - 1_000), count, allocate);
        return new Result(Stopwatch.GetElapsedTime(started), firstThousand, lastThousand, TimeSpan.Zero);
    }

    /// <summary>Thread CPU milliseconds of one block (see <see cref="ThreadCpuClock"/>).</summary>
    private static double TimeBlock(int from, int to, Action<int> allocate)
    {
        var started = ThreadCpuClock.Now();
        for (var i = from; i < to; i++)
        {
            allocate(i);
        }

        return (ThreadCpuClock.Now() - started).TotalMilliseconds;
    }

    private static TimeSpan MeasureRebuild(CancellationToken cancellationToken)
    {
        var records = RebuildRecords();
        cancellationToken.ThrowIfCancellationRequested();
        var registry = new IpamRegistry(new MacGenerator(new Random(1)));
        registry.AddOrUpdateSubnet(new SubnetSpec("ovn-default", "10.16.0.0/16"));
        var started = Stopwatch.GetTimestamp();
        var report = registry.Rebuild(records);
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (report.Registered != RebuildCount)
        {
            throw new InvalidOperationException($"rebuild registered {report.Registered} of {RebuildCount}: {report.Conflicts.FirstOrDefault()?.Reason}");
        }

        return elapsed;
    }

    private static TimeSpan MeasureLinearRebuild(CancellationToken cancellationToken)
    {
        var records = RebuildRecords();
        cancellationToken.ThrowIfCancellationRequested();
        var peer = new LinearRangeIpam(Network + 1, Network + 65_534, Network + 1);
        var started = Stopwatch.GetTimestamp();
        foreach (var record in records)
        {
            peer.AllocateStatic(record.NicKey, record.OwnerKey, (uint)IpAddr.Parse(record.Ips[0], "ip").Value);
        }

        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>Every third address, shuffled, a tenth of them VMs: a fragmented, realistic listing.</summary>
    private static List<IpamRecord> RebuildRecords()
    {
        var random = new Random(5);
        var records = Enumerable.Range(0, RebuildCount).Select(i => new IpamRecord(
            "ovn-default", $"p{i}.ns", $"ns/p{i}",
            [new IpAddr(IpFamily.V4, Network + 2 + (uint)(i * 3)).ToString()],
            $"02:00:00:{i >> 16:x2}:{(i >> 8) & 0xff:x2}:{i & 0xff:x2}",
            i % 10 == 0 ? IpamRecord.VirtualMachine : "")).ToList();
        return [.. records.OrderBy(_ => random.Next())];
    }

    private static (string[] Nics, string[] Owners) Keys(int count, string prefix) =>
        (Enumerable.Range(0, count).Select(i => $"{prefix}{i}.ns").ToArray(),
         Enumerable.Range(0, count).Select(i => $"ns/{prefix}{i}").ToArray());

    private sealed record Result(TimeSpan Fill, double FirstThousand, double LastThousand, TimeSpan Churn);
}
