using System.Globalization;

namespace VmNet.Ovsdb.Wire;

/// <summary>How to reach a server: the OVS remote syntax <c>unix:PATH</c>, <c>tcp:HOST:PORT</c>, <c>ssl:HOST:PORT</c>.</summary>
public sealed record OvsdbEndpoint(OvsdbTransportKind Kind, string Host, int Port, string? SocketPath)
{
    public static OvsdbEndpoint Unix(string path) => new(OvsdbTransportKind.Unix, "", 0, path);

    public static OvsdbEndpoint Tcp(string host, int port) => new(OvsdbTransportKind.Tcp, host, port, null);

    public static OvsdbEndpoint Parse(string remote)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(remote);
        var colon = remote.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new FormatException($"OVSDB remote '{remote}' has no 'unix:', 'tcp:' or 'ssl:' prefix");
        }

        var scheme = remote[..colon];
        var rest = remote[(colon + 1)..];
        switch (scheme)
        {
            case "unix":
                return rest.Length > 0 ? Unix(rest) : throw new FormatException($"OVSDB remote '{remote}' has an empty socket path");
            case "tcp":
            case "ssl":
                var (host, port) = SplitHostPort(remote, rest);
                return new OvsdbEndpoint(scheme == "tcp" ? OvsdbTransportKind.Tcp : OvsdbTransportKind.Ssl, host, port, null);
            default:
                throw new FormatException($"OVSDB remote '{remote}' has unsupported scheme '{scheme}' (use unix, tcp or ssl)");
        }
    }

    public override string ToString() => Kind switch
    {
        OvsdbTransportKind.Unix => "unix:" + SocketPath,
        OvsdbTransportKind.Tcp => $"tcp:{FormatHost()}:{Port}",
        _ => $"ssl:{FormatHost()}:{Port}",
    };

    private string FormatHost() => Host.Contains(':', StringComparison.Ordinal) ? "[" + Host + "]" : Host;

    private static (string Host, int Port) SplitHostPort(string remote, string rest)
    {
        var lastColon = rest.LastIndexOf(':');
        if (lastColon <= 0 || !int.TryParse(rest[(lastColon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new FormatException($"OVSDB remote '{remote}' needs HOST:PORT with a port in 1..65535");
        }

        var host = rest[..lastColon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }

        return (host, port);
    }
}

public enum OvsdbTransportKind
{
    Unix,
    Tcp,
    Ssl,
}
