using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace VmNet.Daemon.Netlink.Protocol;

[StructLayout(LayoutKind.Sequential)]
internal struct TcMsg
{
    public const int Size = 20;
    public byte Family;
    public byte Pad1;
    public ushort Pad2;
    public int Index;
    public uint Handle;
    public uint Parent;
    public uint Info;
}

/// <summary>
/// RTM_NEWQDISC/RTM_DELQDISC for a root token-bucket filter (linux/pkt_sched.h): TCA_KIND "tbf" and
/// TCA_OPTIONS { TCA_TBF_PARMS (struct tc_tbf_qopt), TCA_TBF_BURST }. The rate spec's link layer is set
/// to Ethernet so the kernel computes timings itself and needs no rate table.
/// </summary>
internal static class QdiscMessages
{
    internal const ushort NewQdisc = 36;
    internal const ushort DelQdisc = 37;
    private const uint RootParent = 0xFFFFFFFF;
    private const uint RootHandle = 0x10000;
    private const ushort TcaKind = 1;
    private const ushort TcaOptions = 2;
    private const ushort TbfParms = 1;
    private const ushort TbfBurst = 6;
    private const byte LinkLayerEthernet = 1;
    private const int RateSpecSize = 12;

    public static NetlinkMessageBuilder ReplaceTokenBucket(int index, uint bytesPerSecond, uint burstBytes, uint limitBytes)
    {
        var builder = new NetlinkMessageBuilder(NewQdisc, NlmFlags.Request | NlmFlags.Ack | NlmFlags.Create | NlmFlags.Replace)
            .AddHeader(new TcMsg { Index = index, Handle = RootHandle, Parent = RootParent })
            .AddString(TcaKind, "tbf");
        var options = builder.BeginNested(TcaOptions);
        builder.AddAttribute(TbfParms, TbfQopt(bytesPerSecond, limitBytes));
        builder.AddUInt32(TbfBurst, burstBytes);
        builder.EndNested(options);
        return builder;
    }

    public static NetlinkMessageBuilder DeleteRoot(int index) =>
        new NetlinkMessageBuilder(DelQdisc, NlmFlags.Request | NlmFlags.Ack)
            .AddHeader(new TcMsg { Index = index, Parent = RootParent });

    /// <summary>struct tc_tbf_qopt { tc_ratespec rate, peakrate; u32 limit, buffer, mtu; } with buffer derived by the kernel from TCA_TBF_BURST.</summary>
    internal static byte[] TbfQopt(uint bytesPerSecond, uint limitBytes)
    {
        var bytes = new byte[(RateSpecSize * 2) + 12];

        // tc_ratespec { u8 cell_log; u8 linklayer; u16 overhead; s16 cell_align; u16 mpu; u32 rate; }
        bytes[1] = LinkLayerEthernet;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), bytesPerSecond);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(RateSpecSize * 2), limitBytes);
        return bytes;
    }
}
