using VmNet.Controller.Pods;

namespace VmNet.Controller.Tests.Addressing;

/// <summary>
/// A step hook that "kills" the controller before its N-th API/OVSDB write: that write and every later one
/// of this incarnation fail as if the process had died, so the world is left exactly as a crash leaves it.
/// </summary>
public sealed class CrashSwitch(int stepsBeforeCrash)
{
    private int _steps;
    private volatile bool _dead;

    public TaskCompletionSource<string> Killed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Steps => Volatile.Read(ref _steps);

    public AddressingStepHook Hook => (step, _) =>
    {
        if (_dead)
        {
            throw new OperationCanceledException("controller killed");
        }

        if (Interlocked.Increment(ref _steps) >= stepsBeforeCrash)
        {
            _dead = true;
            Killed.TrySetResult(step);
            throw new OperationCanceledException($"controller killed before {step}");
        }

        return ValueTask.CompletedTask;
    };
}
