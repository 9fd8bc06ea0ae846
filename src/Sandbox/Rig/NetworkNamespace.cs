namespace VmNet.Sandbox.Rig;

/// <summary>Thin wrappers over `ip netns` for rig set-up (the product daemon uses netlink instead).</summary>
public static class NetworkNamespace
{
    public static async Task AddAsync(string name, CancellationToken cancellationToken)
    {
        InterfaceNames.Validate(name, nameof(name));
        await CommandRunner.RunCheckedAsync("ip", ["netns", "add", name], cancellationToken: cancellationToken).ConfigureAwait(false);
        await CommandRunner.RunCheckedAsync("ip", ["-n", name, "link", "set", "lo", "up"], cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes the namespace if it exists; processes still inside keep it alive, so stop them first.</summary>
    public static async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        if (Exists(name))
        {
            await CommandRunner.RunCheckedAsync("ip", ["netns", "del", name], cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    public static bool Exists(string name) => File.Exists(Path.Combine("/run/netns", name));

    /// <summary>Names of all namespaces `ip netns list` would show.</summary>
    public static IReadOnlyList<string> List() =>
        Directory.Exists("/run/netns") ? Directory.GetFiles("/run/netns").Select(Path.GetFileName).OfType<string>().ToList() : [];

    /// <summary>Runs a command inside the namespace; the result carries exit code and output whatever they are.</summary>
    public static Task<CommandResult> ExecAsync(
        string name, string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CommandRunner.RunAsync("ip", new[] { "netns", "exec", name, fileName }.Concat(arguments), timeout, cancellationToken: cancellationToken);

    /// <summary>Runs a command inside the namespace and throws unless it exits 0.</summary>
    public static Task<CommandResult> ExecCheckedAsync(
        string name, string fileName, IEnumerable<string> arguments, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        CommandRunner.RunCheckedAsync("ip", new[] { "netns", "exec", name, fileName }.Concat(arguments), timeout, cancellationToken: cancellationToken);
}
