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
    /// <summary>From the target's RESUME to the first ping reply the pod got from the VM on its new node.</summary>
    public TimeSpan? ResumeToFirstReply =>
        Qemu.TargetResumedAt is { } resumed && Ping.FirstReplyAfter(resumed) is { } reply ? reply - resumed : null;
}
