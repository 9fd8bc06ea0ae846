namespace VmNet.Sandbox.Qemu;

/// <summary>A QEMU process, its QMP socket or a migration did not behave as expected.</summary>
public class QemuException(string message, Exception? inner = null) : Exception(message, inner);
