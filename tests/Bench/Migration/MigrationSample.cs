using VmNet.Sandbox.Qemu;

namespace VmNet.Bench.Migration;

/// <summary>The figures of one measured migration.</summary>
internal sealed record MigrationSample(
    MigrationReport Report,
    PingResult PingNode1,
    PingResult PingNode2,
    TcpProbeResult Tcp);
