using System.Net;
using System.Net.Sockets;

namespace VmNet.Daemon.Netlink.Protocol;

/// <summary>Encodes RTM_*ROUTE requests and decodes RTM_NEWROUTE replies.</summary>
internal static class RouteMessages
{
    /// <summary>RT_SCOPE_NOWHERE on a delete matches a route of any scope, as `ip route del` does.</summary>
    private const byte ScopeAny = 255;

    public enum Mode
    {
        Add,
        Replace,
        Delete,
    }

    public static NetlinkMessageBuilder Build(Mode mode, RouteSpec route, int? outputIndex)
    {
        var family = route.Family;
        if (route.Gateway is { } gw && gw.AddressFamily != family)
        {
            throw new ArgumentException($"route {route}: gateway {gw} is not in the destination's address family {family}", nameof(route));
        }

        var type = mode == Mode.Delete ? NlMsgType.DelRoute : NlMsgType.NewRoute;
        var flags = mode switch
        {
            Mode.Add => (ushort)(NlmFlags.Request | NlmFlags.Ack | NlmFlags.Create | NlmFlags.Excl),
            Mode.Replace => (ushort)(NlmFlags.Request | NlmFlags.Ack | NlmFlags.Create | NlmFlags.Replace),
            _ => (ushort)(NlmFlags.Request | NlmFlags.Ack),
        };
        var header = new RtMsg
        {
            Family = Families.ToKernel(family),
            DestinationLength = (byte)(route.Destination?.PrefixLength ?? 0),

            // Tables above 255 only fit RTA_TABLE; the header then says RT_TABLE_UNSPEC.
            Table = route.Table < 256 ? (byte)route.Table : RouteConstants.TableUnspec,
            Protocol = mode == Mode.Delete ? (byte)0 : RouteConstants.ProtocolBoot,
            Scope = mode == Mode.Delete ? ScopeAny : route.Gateway is null ? RouteConstants.ScopeLink : RouteConstants.ScopeUniverse,
            Type = RouteConstants.TypeUnicast,
            Flags = route.OnLink ? RouteConstants.FlagOnLink : 0,
        };
        var message = new NetlinkMessageBuilder(type, flags).AddHeader(header);
        if (route.Destination is { } destination)
        {
            message.AddAttribute(Rta.Dst, destination.Network.GetAddressBytes());
        }

        if (route.Gateway is { } gateway)
        {
            message.AddAttribute(Rta.Gateway, gateway.GetAddressBytes());
        }

        if (outputIndex is { } index)
        {
            message.AddInt32(Rta.Oif, index);
        }

        if (route.Metric is { } metric)
        {
            message.AddUInt32(Rta.Priority, metric);
        }

        if (route.PreferredSource is { } source)
        {
            message.AddAttribute(Rta.PrefSrc, source.GetAddressBytes());
        }

        message.AddUInt32(Rta.Table, route.Table);
        if (route.Mtu is { } mtu && mode != Mode.Delete)
        {
            var metrics = message.BeginNested(Rta.Metrics);
            message.AddUInt32(Rtax.Mtu, (uint)mtu);
            message.EndNested(metrics);
        }

        return message;
    }

    public static NetlinkMessageBuilder Dump(AddressFamily family) =>
        new NetlinkMessageBuilder(NlMsgType.GetRoute, NlmFlags.Request | NlmFlags.Dump)
            .AddHeader(new RtMsg { Family = Families.ToKernel(family) });

    public static RouteInfo Parse(NetlinkMessage message)
    {
        var header = message.ReadHeader<RtMsg>();
        var attributes = message.Attributes(RtMsg.Size);
        InterfaceAddress? destination = attributes.Address(Rta.Dst) is IPAddress dst
            ? new InterfaceAddress(dst, header.DestinationLength)
            : header.DestinationLength == 0 ? null : new InterfaceAddress(header.Family == Native.LibC.AF_INET6 ? IPAddress.IPv6Any : IPAddress.Any, header.DestinationLength);
        return new RouteInfo(
            destination,
            attributes.Address(Rta.Gateway),
            attributes.Int32(Rta.Oif),
            attributes.UInt32(Rta.Priority),
            attributes.UInt32(Rta.Table) ?? header.Table,
            header.Type,
            header.Protocol,
            header.Scope,
            attributes.Address(Rta.PrefSrc),
            header.Flags);
    }
}
