using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;
using VmNet.Kube;
using VmNet.Kube.Config;

namespace VmNet.Controller.Hosting;

/// <summary>
/// The <c>vmnet-controller</c> process: flags, Serilog, kubeconfig (or in-cluster), then
/// <see cref="ControllerHost"/> until SIGTERM/SIGINT. Exit codes: 0 clean stop, 2 bad flags, 1 failure.
/// </summary>
public static class ControllerProgram
{
    public static async Task<int> MainAsync(string[] args)
    {
        using var shutdown = new CancellationTokenSource();
        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            shutdown.Cancel();
        }

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        return await RunAsync(args, shutdown.Token).ConfigureAwait(false);
    }

    /// <summary>Runs the controller until <paramref name="cancellationToken"/> fires (in-process entry for tests).</summary>
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        ControllerOptions options;
        try
        {
            options = ControllerOptionsParser.Parse(args);
        }
        catch (ControllerOptionsException ex)
        {
            await Console.Error.WriteLineAsync($"vmnet-controller: {ex.Message}").ConfigureAwait(false);
            await Console.Error.WriteLineAsync($"known flags: --{string.Join(", --", ControllerOptionsParser.KnownFlags.Order(StringComparer.Ordinal))}").ConfigureAwait(false);
            return 2;
        }

        var level = Enum.TryParse<LogEventLevel>(options.LogLevel, ignoreCase: true, out var parsed) ? parsed : LogEventLevel.Information;
        using var serilog = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .Enrich.WithProperty("Identity", options.PodName)
            .WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss.fff} [{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}", formatProvider: System.Globalization.CultureInfo.InvariantCulture)
            .CreateLogger();
        using var loggerFactory = new SerilogLoggerFactory(serilog);
        var logger = loggerFactory.CreateLogger("VmNet.Controller");
        try
        {
            var config = options.Kubeconfig is { Length: > 0 } path ? KubeConfig.LoadFromFile(path) : KubeConfig.InCluster();
            using var kube = new KubeClient(config, new KubeClientOptions(), loggerFactory.CreateLogger<KubeClient>());
            var host = new ControllerHost(options, kube, loggerFactory);
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            logger.LogInformation("vmnet-controller stopped");
            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogInformation("vmnet-controller stopped");
            return 0;
        }
        catch (Exception ex) when (ex is KubeException or InvalidOperationException or Ovsdb.Errors.OvsdbException or IOException or System.Net.Sockets.SocketException)
        {
            logger.LogCritical(ex, "vmnet-controller failed: {Message}", ex.Message);
            return 1;
        }
    }
}
