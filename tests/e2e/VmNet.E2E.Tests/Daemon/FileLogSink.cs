using System.Globalization;
using Serilog.Core;
using Serilog.Events;

namespace VmNet.E2E.Daemon;

/// <summary>Appends the in-process daemons' log lines to a file in the rig directory, for failure diagnostics.</summary>
public sealed class FileLogSink(string path) : ILogEventSink
{
    private readonly Lock sync = new();

    public string Path { get; } = path;

    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        var line = string.Create(CultureInfo.InvariantCulture, $"{logEvent.Timestamp:HH:mm:ss.fff} {logEvent.Level} {logEvent.RenderMessage(CultureInfo.InvariantCulture)}{(logEvent.Exception is null ? "" : " " + logEvent.Exception)}\n");
        lock (sync)
        {
            File.AppendAllText(Path, line);
        }
    }

    public string Tail(int lines = 40)
    {
        lock (sync)
        {
            return File.Exists(Path) ? string.Join("\n", File.ReadLines(Path).TakeLast(lines)) : "";
        }
    }
}
