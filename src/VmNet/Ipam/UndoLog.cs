namespace VmNet.Ipam;

/// <summary>
/// Compensating actions of a multi-step allocation (v4, v6, MAC). Rolling back in reverse order leaves
/// the subnet exactly as before, so a failed dual-stack request keeps no half.
/// </summary>
internal sealed class UndoLog
{
    private List<Action>? _actions;

    public void Add(Action undo) => (_actions ??= new List<Action>(4)).Add(undo);

    public void Rollback()
    {
        if (_actions is null)
        {
            return;
        }

        for (var i = _actions.Count - 1; i >= 0; i--)
        {
            _actions[i]();
        }

        _actions.Clear();
    }
}
