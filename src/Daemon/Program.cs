using Serilog;
using VmNet.Daemon;
using VmNet.Daemon.Hosting;
using VmNet.Kube.Config;
using VmNet.Kube;

Log.Logger = new LoggerConfiguration().MinimumLevel.Information().WriteTo.Console(standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose).CreateLogger();
try
{
    var options = DaemonOptionsParser.Parse(args);
    var config = options.Kubeconfig is { } path ? KubeConfig.LoadFromFile(path) : KubeConfig.InCluster();
    using var kube = new KubeClient(config);
    using var stopping = new CancellationTokenSource();
    using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stopping.Cancel(); });
    using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => { c.Cancel = true; stopping.Cancel(); });
    await using var daemon = await DaemonHost.StartAsync(options, kube, Log.Logger, stopping.Token);
    try
    {
        await Task.Delay(Timeout.Infinite, stopping.Token);
    }
    catch (OperationCanceledException)
    {
        Log.Information("vmnet-daemon stopping");
    }

    await daemon.StopAsync(CancellationToken.None);
    return 0;
}
catch (DaemonOptionsException e)
{
    Log.Error("{Message}\n{Usage}", e.Message, DaemonOptionsParser.Usage);
    return 2;
}
catch (OperationCanceledException)
{
    return 0;
}
#pragma warning disable CA1031 // Top level: log whatever stopped the daemon and exit non-zero.
catch (Exception e)
#pragma warning restore CA1031
{
    Log.Fatal(e, "vmnet-daemon failed");
    return 1;
}
finally
{
    await Log.CloseAndFlushAsync();
}
