using System.Text.Json.Serialization;
using VmNet.Cni;

namespace VmNet.Daemon;

/// <summary>Source-generated JSON for the daemon's own shapes (annotation values).</summary>
[JsonSerializable(typeof(List<NetConfRoute>))]
internal sealed partial class DaemonJsonContext : JsonSerializerContext;
