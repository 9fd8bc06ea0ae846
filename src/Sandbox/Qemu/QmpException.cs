namespace VmNet.Sandbox.Qemu;

/// <summary>QEMU answered a QMP command with an error object.</summary>
public sealed class QmpException(string command, string errorClass, string description)
    : QemuException($"QMP '{command}' failed: {errorClass}: {description}")
{
    public string Command { get; } = command;

    public string ErrorClass { get; } = errorClass;
}
