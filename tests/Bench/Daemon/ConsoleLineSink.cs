using System.Globalization;
using Serilog.Core;
using Serilog.Events;

namespace VmNet.Bench.Daemon;

/// <summary>Prints the in-process daemon's log lines (the bench project has no Serilog console sink).</summary>
internal sealed class ConsoleLineSink : ILogEventSink
{
    public void Emit(LogEvent logEvent) => Console.WriteLine("daemon: " + logEvent.RenderMessage(CultureInfo.InvariantCulture));
}
