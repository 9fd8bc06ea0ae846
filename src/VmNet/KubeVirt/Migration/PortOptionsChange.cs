namespace VmNet.KubeVirt.Migration;

/// <summary>
/// The Logical_Switch_Port <c>options</c> keys to set and to delete for one port; applied as map mutations so
/// every other option (written by anyone) stays.
/// </summary>
public sealed record PortOptionsChange(IReadOnlyDictionary<string, string> Set, IReadOnlyList<string> Delete)
{
    public const string RequestedChassis = "requested-chassis";
    public const string ActivationStrategy = "activation-strategy";
    public const string Rarp = "rarp";

    public bool IsEmpty => Set.Count == 0 && Delete.Count == 0;

    /// <summary>
    /// What must change in <paramref name="current"/> for <paramref name="action"/>; empty when it already
    /// matches (no write). <paramref name="useActivationStrategy"/> comes from <see cref="ActivationStrategyPolicy"/>.
    /// </summary>
    public static PortOptionsChange For(SwitchoverAction action, IReadOnlyDictionary<string, string> current, bool useActivationStrategy)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(current);
        var (chassis, strategy) = action switch
        {
            SwitchoverAction.BindBoth both => ($"{both.Source},{both.Target}", useActivationStrategy ? Rarp : null),
            SwitchoverAction.Complete complete => (complete.Target, (string?)null),
            SwitchoverAction.RollBack back => (back.Source, (string?)null),
            _ => throw new ArgumentException($"action {action.GetType().Name} does not bind ports", nameof(action)),
        };
        var set = new Dictionary<string, string>(StringComparer.Ordinal);
        var delete = new List<string>();
        if (!current.TryGetValue(RequestedChassis, out var currentChassis) || currentChassis != chassis)
        {
            set[RequestedChassis] = chassis;
        }

        current.TryGetValue(ActivationStrategy, out var currentStrategy);
        if (strategy is not null && currentStrategy != strategy)
        {
            set[ActivationStrategy] = strategy;
        }
        else if (strategy is null && currentStrategy is not null)
        {
            delete.Add(ActivationStrategy);
        }

        return new PortOptionsChange(set, delete);
    }

    /// <summary>True when <paramref name="options"/> request more than one chassis.</summary>
    public static bool RequestsTwoChassis(IReadOnlyDictionary<string, string> options) =>
        options.TryGetValue(RequestedChassis, out var chassis) && chassis.Contains(',', StringComparison.Ordinal);
}
