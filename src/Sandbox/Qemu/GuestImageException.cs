namespace VmNet.Sandbox.Qemu;

/// <summary>The guest kernel/initramfs could not be built (missing package, download failure, unexpected .deb layout).</summary>
public sealed class GuestImageException(string message, Exception? inner = null) : Exception(message, inner);
