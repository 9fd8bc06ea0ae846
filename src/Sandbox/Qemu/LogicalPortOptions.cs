using VmNet.Sandbox.Rig;

namespace VmNet.Sandbox.Qemu;

/// <summary>Reads and waits for a Logical_Switch_Port's migration options (requested-chassis, activation-strategy) with ovn-nbctl.</summary>
public static class LogicalPortOptions
{
    private static readonly string[] Keys = ["requested-chassis", "activation-strategy"];

    public static async Task<IReadOnlyDictionary<string, string>> ReadAsync(OvnCentral central, string logicalPort, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(central);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in Keys)
        {
            var value = await central.NbctlAsync(["--if-exists", "get", "Logical_Switch_Port", logicalPort, "options:" + key], cancellationToken).ConfigureAwait(false);
            var text = value.Stdout.Trim().Trim('"');
            if (text.Length > 0)
            {
                result[key] = text;
            }
        }

        return result;
    }

    /// <summary>
    /// Polls until requested-chassis equals <paramref name="requestedChassis"/> and activation-strategy equals
    /// <paramref name="activationStrategy"/> (null: absent); throws naming what the port has instead.
    /// </summary>
    public static async Task WaitAsync(
        OvnCentral central, string logicalPort, string requestedChassis, string? activationStrategy, TimeSpan timeout, string writer, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var options = await ReadAsync(central, logicalPort, cancellationToken).ConfigureAwait(false);
            var chassisMatch = options.TryGetValue("requested-chassis", out var rc) && rc == requestedChassis;
            var strategyMatch = options.TryGetValue("activation-strategy", out var s) ? s == activationStrategy : activationStrategy is null;
            if (chassisMatch && strategyMatch)
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new QemuException(
                    $"{writer} did not set Logical_Switch_Port {logicalPort} options requested-chassis={requestedChassis}"
                    + $" activation-strategy={activationStrategy ?? "(absent)"} within {timeout.TotalSeconds:0.#} s; options are {{{string.Join(", ", options.Select(kv => kv.Key + "=" + kv.Value))}}}");
            }

            await Task.Delay(20, cancellationToken).ConfigureAwait(false);
        }
    }
}
