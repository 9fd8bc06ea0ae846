using System.Text;
using VmNet.Kube.Config;
using VmNet.Kube.Models;
using VmNet.Kube.Tests.Support;

namespace VmNet.Kube.Tests;

public sealed class KubeConfigTests : IDisposable
{
    private readonly TestCertificates _certs = TestCertificates.Create();
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        _certs.Dispose();
        _dir.Dispose();
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string Kubeconfig(Uri server, string clusterExtra, string user, string ns = "team-a") => $$"""
        apiVersion: v1
        kind: Config
        current-context: main
        preferences: {}
        clusters:
        - name: other
          cluster:
            server: https://other.example:6443
        - name: test
          cluster:
            server: {{server.ToString().TrimEnd('/')}}
        {{clusterExtra}}
        contexts:
        - name: other
          context:
            cluster: other
            user: nobody
        - name: main
          context:
            cluster: test
            user: admin
            namespace: {{ns}}
        users:
        - name: admin
          user:
        {{user}}
        """;

    [Fact]
    public async Task BearerTokenOverTlsVerifiedAgainstCaData()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, Respond.Pod("team-a", "p")), _certs.Server);
        var yaml = Kubeconfig(server.Address, $"    certificate-authority-data: {B64(_certs.CaPem)}", "    token: secret-token-1");

        var config = KubeConfig.LoadFromYaml(yaml);
        using var client = new KubeClient(config, TestClients.FastRetries);
        var pod = await client.GetAsync<V1Pod>(config.Namespace, "p");

        Assert.Equal("team-a", config.Namespace);
        Assert.Equal("p", pod.Metadata!.Name);
        Assert.Equal("Bearer secret-token-1", server.Requests[0].Authorization);
    }

    [Fact]
    public async Task ClientCertificateFromFilesWithCaFileRelativeToKubeconfig()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, Respond.Pod("team-a", "p")), _certs.Server, requireClientCertificate: true);
        _dir.Write("pki/ca.crt", _certs.CaPem);
        _dir.Write("pki/client.crt", _certs.ClientCertificatePem);
        _dir.Write("pki/client.key", _certs.ClientKeyPem);
        var path = _dir.Write("kubeconfig", Kubeconfig(server.Address, "    certificate-authority: pki/ca.crt",
            "    client-certificate: pki/client.crt\n    client-key: pki/client.key"));

        var config = KubeConfig.LoadFromFile(path);
        using var client = new KubeClient(config, TestClients.FastRetries);
        await client.GetAsync<V1Pod>("team-a", "p");

        var presented = server.Requests[0].ClientCertificate;
        Assert.NotNull(presented);
        Assert.Equal(_certs.Client.Thumbprint, presented.Thumbprint);
        Assert.Null(server.Requests[0].Authorization);
    }

    [Fact]
    public async Task ClientCertificateFromInlineData()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, Respond.Pod("team-a", "p")), _certs.Server, requireClientCertificate: true);
        var yaml = Kubeconfig(server.Address, $"    certificate-authority-data: {B64(_certs.CaPem)}",
            $"    client-certificate-data: {B64(_certs.ClientCertificatePem)}\n    client-key-data: {B64(_certs.ClientKeyPem)}");

        using var client = new KubeClient(KubeConfig.LoadFromYaml(yaml), TestClients.FastRetries);
        await client.GetAsync<V1Pod>("team-a", "p");

        Assert.Equal(_certs.Client.Thumbprint, server.Requests[0].ClientCertificate!.Thumbprint);
    }

    [Fact]
    public async Task ServerCertificateFromAnotherCaIsRejected()
    {
        using var otherCa = TestCertificates.Create("someone-else");
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, Respond.Pod("team-a", "p")), _certs.Server);
        var yaml = Kubeconfig(server.Address, $"    certificate-authority-data: {B64(otherCa.CaPem)}", "    token: t");

        using var client = new KubeClient(KubeConfig.LoadFromYaml(yaml), TestClients.FastRetries);
        var e = await Assert.ThrowsAsync<KubeConnectionException>(() => client.GetAsync<V1Pod>("team-a", "p"));

        Assert.False(e.RequestSent);
        Assert.Contains("SecureConnectionError", e.Message, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task WithoutCaTheSystemStoreIsUsedSoASelfSignedServerIsRejected()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, Respond.Pod("team-a", "p")), _certs.Server);
        using var client = new KubeClient(KubeConfig.LoadFromYaml(Kubeconfig(server.Address, "", "    token: t")), TestClients.FastRetries);

        await Assert.ThrowsAsync<KubeConnectionException>(() => client.GetAsync<V1Pod>("team-a", "p"));
    }

    [Fact]
    public async Task InsecureSkipTlsVerifyOnlyWhenTheKubeconfigSaysSo()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, Respond.Pod("team-a", "p")), _certs.Server);
        var config = KubeConfig.LoadFromYaml(Kubeconfig(server.Address, "    insecure-skip-tls-verify: true", "    token: t"));
        using var client = new KubeClient(config, TestClients.FastRetries);

        await client.GetAsync<V1Pod>("team-a", "p");

        Assert.True(config.InsecureSkipTlsVerify);
        Assert.False(new KubeConfig(server.Address).InsecureSkipTlsVerify);
    }

    [Theory]
    [InlineData("localhost", true)]
    [InlineData("wrong.example", false)]
    public async Task TlsServerNameIsVerifiedInsteadOfTheUrlHost(string serverName, bool accepted)
    {
        // The certificate names 127.0.0.1 and localhost; the URL host is 127.0.0.1 either way.
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, Respond.Pod("team-a", "p")), _certs.Server);
        var config = KubeConfig.LoadFromYaml(Kubeconfig(server.Address, $"    certificate-authority-data: {B64(_certs.CaPem)}\n    tls-server-name: {serverName}", "    token: t"));
        using var client = new KubeClient(config, TestClients.FastRetries);

        var call = client.GetAsync<V1Pod>("team-a", "p");

        Assert.Equal(serverName, config.TlsServerName);
        if (accepted)
        {
            await call;
        }
        else
        {
            await Assert.ThrowsAsync<KubeConnectionException>(() => call);
        }
    }

    [Fact]
    public void NamedContextIsSelected()
    {
        var config = KubeConfig.LoadFromYaml(Kubeconfig(new Uri("https://127.0.0.1:1"), "", "    token: t")
            + "\n- name: nobody\n  user:\n    token: other-token\n", context: "other");

        Assert.Equal(new Uri("https://other.example:6443"), config.Server);
        Assert.Null(config.Namespace);
    }

    [Fact]
    public void RsaPkcs1ClientKeyAsKubeadmWritesItLoads()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=kubernetes-admin,O=kubeadm:cluster-admins", rsa, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        var keyPem = rsa.ExportRSAPrivateKeyPem(); // "BEGIN RSA PRIVATE KEY"
        var yaml = Kubeconfig(new Uri("https://127.0.0.1:1"), "", $"    client-certificate-data: {B64(cert.ExportCertificatePem())}\n    client-key-data: {B64(keyPem)}");

        var config = KubeConfig.LoadFromYaml(yaml);

        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", keyPem, StringComparison.Ordinal);
        Assert.True(config.ClientCertificate!.HasPrivateKey);
        Assert.Equal(cert.Thumbprint, config.ClientCertificate.Thumbprint);
    }

    [Fact]
    public void MismatchedClientKeyIsRejected()
    {
        using var other = System.Security.Cryptography.ECDsa.Create();
        var yaml = Kubeconfig(new Uri("https://127.0.0.1:1"), "", $"    client-certificate-data: {B64(_certs.ClientCertificatePem)}\n    client-key-data: {B64(other.ExportPkcs8PrivateKeyPem())}");

        var e = Assert.Throws<KubeConfigException>(() => KubeConfig.LoadFromYaml(yaml));

        Assert.Contains("user 'admin': client certificate/key PEM is invalid or the key does not match", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExecPluginIsRejectedWithAClearMessage()
    {
        var yaml = Kubeconfig(new Uri("https://127.0.0.1:1"), "", "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: aws-iam-authenticator");

        var e = Assert.Throws<KubeConfigException>(() => KubeConfig.LoadFromYaml(yaml));

        Assert.Contains("user 'admin' uses an exec credential plugin, which is not supported", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing", "context 'missing' not found")]
    public void UnknownContextIsNamed(string context, string expected)
    {
        var e = Assert.Throws<KubeConfigException>(() => KubeConfig.LoadFromYaml(Kubeconfig(new Uri("https://127.0.0.1:1"), "", "    token: t"), context: context));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadCaDataIsNamed()
    {
        var e = Assert.Throws<KubeConfigException>(() => KubeConfig.LoadFromYaml(Kubeconfig(new Uri("https://127.0.0.1:1"), "    certificate-authority-data: '%%%'", "    token: t")));
        Assert.Contains("cluster 'test': certificate-authority-data is not valid base64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CertificateWithoutKeyIsRejected()
    {
        var e = Assert.Throws<KubeConfigException>(() => KubeConfig.LoadFromYaml(Kubeconfig(new Uri("https://127.0.0.1:1"), "", $"    client-certificate-data: {B64(_certs.ClientCertificatePem)}")));
        Assert.Contains("needs both client-certificate(-data) and client-key(-data)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void InvalidYamlNamesTheLine()
    {
        var e = Assert.Throws<KubeConfigException>(() => KubeConfig.LoadFromYaml("clusters:\n  - name: [unclosed\n", source: "/tmp/kc"));
        Assert.StartsWith("/tmp/kc: not valid kubeconfig YAML at line", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InClusterReadsServiceAccountAndFollowsTokenRotation()
    {
        await using var server = await StubApiServer.StartAsync(ctx => Respond.Json(ctx, Respond.Pod("vmnet-system", "p")), _certs.Server);
        _dir.Write("sa/token", "token-v1\n");
        _dir.Write("sa/ca.crt", _certs.CaPem);
        _dir.Write("sa/namespace", "vmnet-system");
        var env = new Dictionary<string, string> { ["KUBERNETES_SERVICE_HOST"] = "127.0.0.1", ["KUBERNETES_SERVICE_PORT"] = server.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) };

        var config = KubeConfig.InCluster(Path.Combine(_dir.Path, "sa"), name => env.GetValueOrDefault(name));
        using var client = new KubeClient(config, TestClients.FastRetries);
        await client.GetAsync<V1Pod>(config.Namespace, "p");

        Assert.Equal("vmnet-system", config.Namespace);
        Assert.Equal(new Uri($"https://127.0.0.1:{server.Address.Port}/"), config.Server);
        Assert.Equal("Bearer token-v1", server.Requests[0].Authorization);
        Assert.IsType<FileTokenSource>(config.TokenSource);
    }

    [Fact]
    public void InClusterWithoutEnvironmentIsAClearError()
    {
        var e = Assert.Throws<KubeConfigException>(() => KubeConfig.InCluster(_dir.Path, _ => null));
        Assert.Contains("KUBERNETES_SERVICE_HOST", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileTokenIsRereadAfterTheRefreshInterval()
    {
        var path = _dir.Write("token", "first");
        var clock = new ManualTimeProvider();
        var source = new FileTokenSource(path, TimeSpan.FromMinutes(1), clock);

        Assert.Equal("first", await source.GetTokenAsync(CancellationToken.None));
        File.WriteAllText(path, "second\n");
        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("first", await source.GetTokenAsync(CancellationToken.None));
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal("second", await source.GetTokenAsync(CancellationToken.None));
    }

    [Fact]
    public async Task EmptyTokenFileIsAClearError()
    {
        var path = _dir.Write("token", "  \n");
        var e = await Assert.ThrowsAsync<KubeConfigException>(async () => await new FileTokenSource(path).GetTokenAsync(CancellationToken.None));
        Assert.Contains($"bearer token file '{path}' is empty", e.Message, StringComparison.Ordinal);
    }
}
