using System.Text.Json;

namespace VmNet.Sandbox.Qemu;

/// <summary>An asynchronous QMP event with QEMU's own timestamp (host CLOCK_REALTIME when it was emitted).</summary>
public sealed record QmpEvent(string Name, DateTimeOffset Timestamp, JsonElement Data);
