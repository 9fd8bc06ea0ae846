using VmNet.Sandbox.Cli;
using VmNet.Sandbox.Demo;

var command = args.Length > 0 ? args[0] : "demo";
using var signals = new ShutdownSignals();
var stateDirectory = Path.GetFullPath(Environment.GetEnvironmentVariable("VMNET_SANDBOX_DIR") ?? ".sandbox");
switch (command)
{
    case "demo":
    case "serve":
        DemoOptions options;
        try
        {
            options = DemoOptions.Parse(command, args.Skip(1));
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync("vmnet-sandbox: " + ex.Message).ConfigureAwait(false);
            return 64;
        }

        try
        {
            using var sandboxLock = SandboxLock.Acquire(stateDirectory);
            var passed = await new LifecycleDemo(Console.Out, SandboxPaths.Discover(stateDirectory), options).RunAsync(signals.Token).ConfigureAwait(false);
            return passed ? 0 : signals.Received is null || options.KeepRunning ? 1 : 130;
        }
        catch (SandboxBusyException ex)
        {
            await Console.Error.WriteLineAsync("vmnet-sandbox: " + ex.Message).ConfigureAwait(false);
            return 2;
        }

    case "wait-ready":
        return await SandboxControl.WaitReadyAsync(new SandboxPaths(".", stateDirectory), Console.Out, signals.Token).ConfigureAwait(false);

    case "down":
        return await SandboxControl.DownAsync(stateDirectory, Console.Out, signals.Token).ConfigureAwait(false);

    default:
        await Console.Error.WriteLineAsync($"vmnet-sandbox: unknown command '{command}' (commands: demo, serve [--guests=auto|qemu|netns], wait-ready, down)").ConfigureAwait(false);
        return 64;
}
