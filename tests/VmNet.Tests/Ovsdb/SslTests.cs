using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using VmNet.Ovsdb.Client;
using VmNet.Ovsdb.Errors;
using VmNet.Ovsdb.Northbound;
using VmNet.Ovsdb.Operations;
using VmNet.Ovsdb.Wire;
using VmNet.Sandbox.Rig;
using VmNet.Tests.Ovsdb.Support;

namespace VmNet.Tests.Ovsdb;

/// <summary>ssl:HOST:PORT with mutual TLS against ovsdb-server's pssl remote, certificates made per run with openssl.</summary>
public sealed class SslTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vmnet-ovsdb-ssl-" + Guid.NewGuid().ToString("N")[..10]);
    private int _pid;
    private int _port;

    private string F(string name) => Path.Combine(_dir, name);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        await Openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", F("ca.key"), "-out", F("ca.pem"), "-days", "2", "-subj", "/CN=vmnet-test-ca");
        await File.WriteAllTextAsync(F("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
        foreach (var name in new[] { "server", "client" })
        {
            await Openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", F(name + ".key"), "-out", F(name + ".csr"), "-subj", "/CN=" + name);
            await Openssl("x509", "-req", "-in", F(name + ".csr"), "-CA", F("ca.pem"), "-CAkey", F("ca.key"), "-CAcreateserial", "-out", F(name + ".pem"), "-days", "2", "-extfile", F("san.ext"));
        }

        await CommandRunner.RunCheckedAsync("ovsdb-tool", ["create", F("nb.db"), OvnSchemas.Northbound]);
        await CommandRunner.RunCheckedAsync("ovsdb-server", [
            F("nb.db"), "--remote=pssl:0:127.0.0.1", "--private-key=" + F("server.key"), "--certificate=" + F("server.pem"), "--ca-cert=" + F("ca.pem"),
            "--pidfile=" + F("nb.pid"), "--unixctl=" + F("nb.ctl"), "--log-file=" + F("nb.log"), "--detach", "--no-chdir"]);
        _pid = int.Parse((await File.ReadAllTextAsync(F("nb.pid"))).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        await Timeouts.UntilAsync(() => ListeningSockets.TcpPorts(_pid).Count > 0, "ovsdb-server SSL listener");
        _port = ListeningSockets.TcpPorts(_pid)[0];
    }

    public async Task DisposeAsync()
    {
        await ProcessSignals.TerminateAsync([_pid], TimeSpan.FromSeconds(5), CancellationToken.None);
        Directory.Delete(_dir, recursive: true);
    }

    private static Task Openssl(params string[] args) => CommandRunner.RunCheckedAsync("openssl", args);

    private SslClientAuthenticationOptions Ssl(string caFile)
    {
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caFile));
        return new SslClientAuthenticationOptions
        {
            ClientCertificates = [X509Certificate2.CreateFromPemFile(F("client.pem"), F("client.key"))],
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is null)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            },
        };
    }

    [Fact]
    public async Task TransactsOverMutualTls()
    {
        await using var client = await OvsdbClient.ConnectAsync(
            new OvsdbClientOptions { Endpoints = OvsdbClientOptions.ParseRemotes($"ssl:127.0.0.1:{_port}"), Database = "OVN_Northbound", Ssl = Ssl(F("ca.pem")) },
            Timeouts.Token());
        await client.TransactAsync([new InsertOperation(LogicalSwitch.Table, new Dictionary<string, object?> { ["name"] = "over-tls" })], Timeouts.Token());
        await Timeouts.UntilAsync(() => client.Cache.FindByName<LogicalSwitch>("over-tls").Count == 1, "switch cached over TLS");
    }

    [Fact]
    public async Task AnUntrustedServerCertificateIsAConnectionError()
    {
        await Openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", F("other.key"), "-out", F("other.pem"), "-days", "2", "-subj", "/CN=other-ca");
        var ex = await Assert.ThrowsAsync<OvsdbConnectionException>(() => OvsdbClient.ConnectAsync(
            new OvsdbClientOptions { Endpoints = [OvsdbEndpoint.Parse($"ssl:127.0.0.1:{_port}")], Database = "OVN_Northbound", Ssl = Ssl(F("other.pem")) },
            Timeouts.Token()));
        Assert.Contains($"ssl:127.0.0.1:{_port}", ex.Message, StringComparison.Ordinal);
    }
}
