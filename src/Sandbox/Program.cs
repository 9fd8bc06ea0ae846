using VmNet.Sandbox.Cli;
using VmNet.Sandbox.Demo;

var command = args.Length > 0 ? args[0] : "demo";
using var signals = new ShutdownSignals();
var stateDirectory = Path.GetFullPath(Environment.GetEnvironmentVariable("VMNET_SANDBOX_DIR") ?? ".sandbox");
switch (command)
{
    case "demo":
        try
        {
            using var sandboxLock = SandboxLock.Acquire(stateDirectory);
            var passed = await new FoundationDemo(Console.Out).RunAsync(signals.Token).ConfigureAwait(false);
            return passed ? 0 : signals.Received is null ? 1 : 130;
        }
        catch (SandboxBusyException ex)
        {
            await Console.Error.WriteLineAsync("vmnet-sandbox: " + ex.Message).ConfigureAwait(false);
            return 2;
        }

    default:
        await Console.Error.WriteLineAsync($"vmnet-sandbox: unknown command '{command}' (commands: demo)").ConfigureAwait(false);
        return 64;
}
