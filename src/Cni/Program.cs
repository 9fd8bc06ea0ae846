namespace VmNet.Cni;

internal static class Program
{
    // Installed as "vmnet" and symlinked as "kube-ovn": argv[0] does not matter, the netconf type does.
    private static async Task<int> Main()
    {
        var plugin = new CniPlugin(
            CniEnvironment.From(Environment.GetEnvironmentVariable),
            Console.OpenStandardInput(),
            Console.OpenStandardOutput());
        return await plugin.RunAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
