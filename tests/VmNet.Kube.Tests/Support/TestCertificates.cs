using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace VmNet.Kube.Tests.Support;

/// <summary>A throw-away CA with a server certificate for 127.0.0.1/localhost and a client certificate.</summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(X509Certificate2 ca, X509Certificate2 server, X509Certificate2 client, string clientKeyPem)
    {
        Ca = ca;
        Server = server;
        Client = client;
        ClientKeyPem = clientKeyPem;
    }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 Server { get; }

    public X509Certificate2 Client { get; }

    public string CaPem => Ca.ExportCertificatePem();

    public string ClientCertificatePem => Client.ExportCertificatePem();

    public string ClientKeyPem { get; }

    public static TestCertificates Create(string caName = "vmnet-test-ca")
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={caName}", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var caWithKey = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
        var ca = X509CertificateLoader.LoadCertificate(caWithKey.RawData);

        var server = Issue(caWithKey, "CN=127.0.0.1", "1.3.6.1.5.5.7.3.1", san =>
        {
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            san.AddDnsName("localhost");
        }, out _);
        var client = Issue(caWithKey, "CN=vmnet-controller,O=system:masters", "1.3.6.1.5.5.7.3.2", null, out var clientKeyPem);
        return new TestCertificates(ca, server, client, clientKeyPem);
    }

    public void Dispose()
    {
        Ca.Dispose();
        Server.Dispose();
        Client.Dispose();
    }

    private static X509Certificate2 Issue(X509Certificate2 issuer, string subject, string usageOid, Action<SubjectAlternativeNameBuilder>? addNames, out string keyPem)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usageOid)], false));
        if (addNames is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            addNames(san);
            request.CertificateExtensions.Add(san.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.Create(issuer, now.AddMinutes(-5), now.AddHours(12), serial);
        using var withKey = certificate.CopyWithPrivateKey(key);
        keyPem = key.ExportPkcs8PrivateKeyPem();
        // A PKCS#12 round trip gives SslStream a key handle it can use on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
