namespace VmNet.Sandbox.Qemu;

/// <summary>
/// One frame seen on a tap with its kernel receive timestamp. <see cref="TowardGuest"/>: the kernel sent it
/// out of the tap, i.e. toward QEMU and the guest (PACKET_OUTGOING); otherwise the guest/QEMU sent it.
/// </summary>
public sealed record CapturedFrame(DateTimeOffset Timestamp, bool TowardGuest, string Destination, string Source, ushort EtherType)
{
    public const ushort Rarp = 0x8035;
    public const ushort Ipv4 = 0x0800;
    public const ushort Arp = 0x0806;
}
