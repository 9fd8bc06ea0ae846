namespace VmNet.Bench.Migration;

/// <summary>
/// Where the time between the guest's RESUME on the target and the first packet delivered there goes: the hops of
/// KubeVirt's completion chain (both modes play it), and for the naive mode the reactor's watch and binding.
/// </summary>
internal static class MigrationHops
{
    public static void Report(Dictionary<string, List<MigrationSample>> samples)
    {
        var naive = samples["naive"];
        Hop("naive_hop_resume_to_target_ready", naive, (s, r) => s.Chain?.TargetReady - r);
        Hop("naive_hop_target_ready_to_vmi_completed", naive, (s, _) => s.Chain?.VmiCompleted - s.Chain?.TargetReady);
        Hop("naive_hop_vmi_completed_to_vmim_succeeded", naive, (s, _) => s.Chain?.VmimSucceeded - s.Chain?.VmiCompleted);
        Hop("naive_hop_vmim_succeeded_to_reactor_seen", naive, (s, _) => s.Reactor?.SucceededSeen - s.Chain?.VmimSucceeded);
        Hop("naive_hop_reactor_seen_to_bound", naive, (s, _) => s.Reactor?.Bound - s.Reactor?.SucceededSeen);
        Hop("naive_hop_bound_to_first_packet", naive, (s, r) => r + s.Report.ResumeToFirstDelivered - s.Reactor?.Bound);
        Hop("naive_resume_to_vmim_succeeded", naive, (s, r) => s.Chain?.VmimSucceeded - r);
        Hop("naive_resume_to_bound", naive, (s, r) => s.Reactor?.Bound - r);

        // Ours waits for none of it: the guest's own RARP (QEMU announces it as the guest resumes) activates the target
        // in ovn-controller. RARP->first packet is ovn-controller's activation plus at most one probe interval.
        var ours = samples["vmnet"];
        Hop("vmnet_resume_to_vmim_succeeded", ours, (s, r) => s.Chain?.VmimSucceeded - r);
        Hop("vmnet_resume_to_rarp", ours, (s, _) => FirstRarp(s));
        Hop("vmnet_rarp_to_first_packet", ours, (s, _) => s.Report.ResumeToFirstDelivered - FirstRarp(s));
        if (samples.TryGetValue("vmnetheld", out var held))
        {
            Hop("vmnetheld_resume_to_rarp", held, (s, _) => FirstRarp(s));
            Hop("vmnetheld_rarp_to_first_packet", held, (s, _) => s.Report.ResumeToFirstDelivered - FirstRarp(s));
        }
    }

    /// <summary>The first RARP QEMU sent on the target tap, relative to RESUME (QEMU announces just before it starts the vCPUs).</summary>
    private static TimeSpan? FirstRarp(MigrationSample s) => s.Report.RarpAfterResume.Count > 0 ? s.Report.RarpAfterResume.Min() : null;

    private static void Hop(string figure, List<MigrationSample> list, Func<MigrationSample, DateTimeOffset, TimeSpan?> select)
    {
        var values = list
            .Select(s => s.Report.Qemu.TargetResumedAt is { } resumed ? select(s, resumed) : null)
            .OfType<TimeSpan>()
            .Select(t => t.TotalMilliseconds)
            .ToList();
        if (values.Count == 0)
        {
            return;
        }

        BenchReport.Figure($"migration_{figure}_p50", Percentiles.Of(values, 50), "ms");
        BenchReport.Figure($"migration_{figure}_p95", Percentiles.Of(values, 95), "ms");
        BenchReport.Figure($"migration_{figure}_max", values.Max(), "ms");
    }
}
