using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using VmNet.Kube.Config;

namespace VmNet.Kube.Transport;

/// <summary>Builds the HTTP handler: TLS verified against the configured CAs, optional client certificate.</summary>
internal static class KubeHttpHandlerFactory
{
    public static SocketsHttpHandler Create(KubeConfig config, KubeClientOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            UseCookies = false,
            AllowAutoRedirect = false,
        };

        if (config.Server.Scheme == Uri.UriSchemeHttps)
        {
            handler.SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = CreateValidator(config),
            };
            if (config.ClientCertificate is not null)
            {
                handler.SslOptions.ClientCertificates = [config.ClientCertificate];
            }
        }

        return handler;
    }

    private static RemoteCertificateValidationCallback CreateValidator(KubeConfig config)
    {
        if (config.InsecureSkipTlsVerify)
        {
            return (_, _, _, _) => true;
        }

        var authorities = config.CertificateAuthorities;
        var serverName = config.TlsServerName;
        return (_, certificate, chain, errors) =>
        {
            if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
            {
                return false;
            }

            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());

            // SocketsHttpHandler always checks the name against the URL host; with tls-server-name that check
            // is replaced by ours against the configured name.
            if (serverName is not null)
            {
                if (!leaf.MatchesHostname(serverName))
                {
                    return false;
                }

                errors &= ~SslPolicyErrors.RemoteCertificateNameMismatch;
            }
            else if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                return false;
            }

            if (authorities is null)
            {
                return errors == SslPolicyErrors.None;
            }

            // Only the trust anchor is ours instead of the system's.
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            custom.ChainPolicy.CustomTrustStore.AddRange(authorities);
            if (chain is not null)
            {
                foreach (var element in chain.ChainElements)
                {
                    custom.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }

            return custom.Build(leaf);
        };
    }
}
