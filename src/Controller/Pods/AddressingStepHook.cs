namespace VmNet.Controller.Pods;

/// <summary>
/// Called before every API or OVSDB write of the addressing reconcilers with the step's name
/// (<c>api:create-ip</c>, <c>ovsdb:create-lsp</c>, ...). Production passes <see cref="AddressingSteps.None"/>;
/// crash-safety tests inject a hook that kills the controller at a chosen step.
/// </summary>
public delegate ValueTask AddressingStepHook(string step, CancellationToken cancellationToken);

public static class AddressingSteps
{
    public static readonly AddressingStepHook None = static (_, _) => ValueTask.CompletedTask;
}
