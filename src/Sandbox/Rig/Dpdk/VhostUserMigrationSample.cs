using VmNet.Dpdk;
using VmNet.Sandbox.Qemu;

namespace VmNet.Sandbox.Rig.Dpdk;

/// <summary>One vhost-user live migration as measured: QEMU's figures, the pod's ping and TCP echo through it, and the activation used.</summary>
public sealed record VhostUserMigrationSample(
    string From,
    string To,
    MigrationResult Qemu,
    PingResult Ping,
    TcpProbeResult Tcp,
    MigrationActivationDecision Activation)
{
    /// <summary>The second prober's pings (a pod on another node), when the harness had one.</summary>
    public PingResult? OtherPing { get; init; }

    /// <summary>From the target's RESUME to the first ping reply the pod got from the VM on its new node.</summary>
    public TimeSpan? ResumeToFirstReply => FirstReplyAfterResume(Ping);

    /// <summary>The same for the second prober.</summary>
    public TimeSpan? ResumeToFirstReplyOther => OtherPing is null ? null : FirstReplyAfterResume(OtherPing);

    private TimeSpan? FirstReplyAfterResume(PingResult ping) =>
        Qemu.TargetResumedAt is { } resumed && ping.FirstReplyAfter(resumed) is { } reply ? reply - resumed : null;
}
