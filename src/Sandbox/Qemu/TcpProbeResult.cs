namespace VmNet.Sandbox.Qemu;

/// <summary>
/// Outcome of a <see cref="TcpEchoProbe"/>. <see cref="Intact"/>: every byte came back in order;
/// <see cref="Alive"/>: the connection was still open when the probe stopped; <see cref="FailedAt"/>: when
/// <see cref="Error"/> happened; <see cref="Mismatch"/>: where the echo first differs from what was sent (null when intact).
/// </summary>
public sealed record TcpProbeResult(long BytesSent, long BytesEchoed, bool Intact, bool Alive, TimeSpan MaxStall, string? Error, DateTimeOffset? FailedAt = null, string? Mismatch = null);
