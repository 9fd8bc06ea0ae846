using VmNet.Sandbox.Qemu;

namespace VmNet.Bench.Migration;

/// <summary>The figures of one measured migration.</summary>
/// <param name="Chain">KubeVirt's completion chain (target ready, VMI completed, VMIM Succeeded) as the stand-in played it.</param>
/// <param name="Reactor">Naive mode only: when the reactor's watch delivered Succeeded and when it had bound the target.</param>
internal sealed record MigrationSample(
    MigrationReport Report,
    PingResult PingNode1,
    PingResult PingNode2,
    TcpProbeResult Tcp,
    CompletionHops? Chain,
    (DateTimeOffset SucceededSeen, DateTimeOffset Bound)? Reactor);
