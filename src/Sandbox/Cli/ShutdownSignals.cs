using System.Runtime.InteropServices;

namespace VmNet.Sandbox.Cli;

/// <summary>
/// Turns Ctrl-C (SIGINT), SIGTERM and SIGHUP into cancellation, so every command unwinds through its
/// finally blocks and stops what it started instead of the runtime killing the process mid-way.
/// </summary>
public sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource source = new();
    private readonly List<PosixSignalRegistration> registrations = [];

    public ShutdownSignals()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
        {
            registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
        }
    }

    public CancellationToken Token => source.Token;

    /// <summary>The signal that asked us to stop, if any.</summary>
    public PosixSignal? Received { get; private set; }

    public void Dispose()
    {
        foreach (var registration in registrations)
        {
            registration.Dispose();
        }

        source.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Keep the process alive: cancellation drives an orderly stop.
        context.Cancel = true;
        if (Received is null)
        {
            Received = context.Signal;
            Console.Error.WriteLine($"vmnet-sandbox: {context.Signal} received, stopping everything the sandbox started...");
            source.Cancel();
        }
    }
}
