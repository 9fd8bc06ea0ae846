namespace VmNet.Sandbox.Rig;

/// <summary>
/// Bounded waits on OVN state. On timeout they throw <see cref="RigException"/> carrying what was
/// observed last and the tail of the relevant daemon logs (from <paramref name="diagnostics"/>).
/// </summary>
public static class OvnWaits
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Waits until every chassis in <paramref name="names"/> is registered in the Southbound DB.</summary>
    public static async Task WaitForChassisAsync(
        OvnCentral central, IReadOnlyCollection<string> names, TimeSpan timeout, Func<string> diagnostics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(central);
        IReadOnlyList<string> seen = [];
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            seen = await central.ChassisNamesAsync(cancellationToken).ConfigureAwait(false);
            if (names.All(seen.Contains))
            {
                return;
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }

        throw new RigException(
            $"chassis [{string.Join(", ", names)}] not all registered in SB after {timeout.TotalSeconds:0.#} s; registered: [{string.Join(", ", seen)}]\n{diagnostics()}");
    }

    /// <summary>ovn-nbctl --wait=hv sync: returns once every chassis has caught up with the current NB state.</summary>
    public static async Task SyncHypervisorsAsync(OvnCentral central, TimeSpan timeout, Func<string> diagnostics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(central);
        var seconds = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds));
        var result = await CommandRunner.RunAsync(
            "ovn-nbctl",
            ["--db=" + central.NorthboundConnection, "--wait=hv", "--timeout=" + seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "sync"],
            timeout + TimeSpan.FromSeconds(5),
            cancellationToken: cancellationToken).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new RigException($"ovn-nbctl --wait=hv sync failed after {result.Elapsed.TotalSeconds:0.#} s: {CommandRunner.Tail(result.Stderr)}\n{diagnostics()}");
        }
    }

    /// <summary>Waits until ovn-nbctl lsp-get-up reports "up" for the logical switch port.</summary>
    public static async Task WaitPortUpAsync(OvnCentral central, string lsp, TimeSpan timeout, Func<string> diagnostics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(central);
        var last = string.Empty;
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            last = (await central.NbctlAsync(["lsp-get-up", lsp], cancellationToken).ConfigureAwait(false)).Stdout.Trim();
            if (last == "up")
            {
                return;
            }

            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }

        throw new RigException($"logical switch port '{lsp}' not up after {timeout.TotalSeconds:0.#} s (lsp-get-up: '{last}')\n{diagnostics()}");
    }
}
