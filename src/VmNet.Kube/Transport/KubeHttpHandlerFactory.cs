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
            if (config.TlsServerName is not null)
            {
                handler.SslOptions.TargetHost = config.TlsServerName;
            }

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
        if (authorities is null)
        {
            return (_, _, _, errors) => errors == SslPolicyErrors.None;
        }

        return (_, certificate, chain, errors) =>
        {
            // The host name check still applies; only the trust anchor is ours instead of the system's.
            if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
            {
                return false;
            }

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

            using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return custom.Build(leaf);
        };
    }
}
