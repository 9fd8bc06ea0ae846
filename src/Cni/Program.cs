namespace VmNet.Cni;

internal static class Program
{
    // Installed as "vmnet" and symlinked as "kube-ovn": argv[0] does not matter, the netconf type does.
    private static async Task<int> Main()
    {
        // Console's stdin stream reads with read(2) and sets nothing up; its stdout stream would (see StandardOutput).
        using var stdin = Console.OpenStandardInput();
        using var stdout = new StandardOutput();
        var plugin = new CniPlugin(CniEnvironment.From(Environment.GetEnvironmentVariable), stdin, stdout);
        try
        {
            return await plugin.RunAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            // Stdout itself failed (closed, full) while writing the answer or the error: say so where the runtime
            // may still look, and fail instead of aborting with an unhandled exception.
            await Console.Error.WriteLineAsync("vmnet: cannot write the CNI answer to stdout: " + e.Message).ConfigureAwait(false);
            return 1;
        }
    }
}
