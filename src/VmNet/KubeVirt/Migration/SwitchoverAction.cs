namespace VmNet.KubeVirt.Migration;

/// <summary>What the controller does to a VM's ports for one migration.</summary>
public abstract record SwitchoverAction
{
    private SwitchoverAction()
    {
    }

    /// <summary>Nothing to do (old migration, same node, not started).</summary>
    public sealed record Ignore(string Reason) : SwitchoverAction;

    /// <summary>Nothing to do yet; look again after <see cref="RetryAfter"/> (null: on the next event only).</summary>
    public sealed record Wait(string Reason, TimeSpan? RetryAfter) : SwitchoverAction;

    /// <summary>Input the controller cannot act on: report it (event) and write nothing.</summary>
    public sealed record Reject(string Reason) : SwitchoverAction;

    /// <summary>Both chassis bound, the target gated by RARP (multi-chassis binding).</summary>
    public sealed record BindBoth(string Source, string Target, TimeSpan? RecheckAfter) : SwitchoverAction;

    /// <summary>Switchover complete: the port lives on <see cref="Target"/> only; its IP CR follows.</summary>
    public sealed record Complete(string Target, string Why) : SwitchoverAction;

    /// <summary>Migration failed or aborted: the port is pinned back to <see cref="Source"/>; the IP stays.</summary>
    public sealed record RollBack(string Source, string Why) : SwitchoverAction;
}
