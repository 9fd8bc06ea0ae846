using System.Net.Security;
using System.Net.Sockets;
using VmNet.Ovsdb.Errors;

namespace VmNet.Ovsdb.Wire;

/// <summary>Opens the byte stream to an endpoint (unix socket, TCP, or TLS over TCP).</summary>
public static class OvsdbTransport
{
    public static async Task<Stream> ConnectAsync(OvsdbEndpoint endpoint, SslClientAuthenticationOptions? ssl, CancellationToken cancellationToken)
    {
        Socket? socket = null;
        try
        {
            if (endpoint.Kind == OvsdbTransportKind.Unix)
            {
                socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(endpoint.SocketPath!), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }

            socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken).ConfigureAwait(false);
            var network = new NetworkStream(socket, ownsSocket: true);
            if (endpoint.Kind == OvsdbTransportKind.Tcp)
            {
                return network;
            }

            var options = ssl ?? throw new OvsdbConnectionException($"{endpoint} needs SSL options (OvsdbClientOptions.Ssl)");
            options.TargetHost ??= endpoint.Host;
            var sslStream = new SslStream(network, leaveInnerStreamOpen: false);
            try
            {
                await sslStream.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await sslStream.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            return sslStream;
        }
        catch (Exception ex) when (ex is SocketException or IOException or System.Security.Authentication.AuthenticationException)
        {
            socket?.Dispose();
            throw new OvsdbConnectionException($"cannot connect to OVSDB at {endpoint}: {ex.Message}", ex);
        }
    }
}
