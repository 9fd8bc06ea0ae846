using System.Diagnostics;

namespace VmNet.ApiServer.Tests;

/// <summary>Drives the real kubectl against the server when kubectl is installed.</summary>
public class KubectlTests
{
    private static readonly string? Kubectl = new[] { "/usr/bin/kubectl", "/usr/local/bin/kubectl" }.FirstOrDefault(File.Exists);

    private static async Task<(int Exit, string Output)> RunAsync(string kubeconfig, string arguments, string? stdin = null)
    {
        var psi = new ProcessStartInfo(Kubectl!, $"--kubeconfig {kubeconfig} {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        psi.Environment["HOME"] = Path.GetDirectoryName(kubeconfig);
        using var process = Process.Start(psi)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [Fact]
    public async Task KubectlGetsPodsAndCustomResources()
    {
        if (Kubectl is null)
        {
            return;
        }

        var dir = Directory.CreateTempSubdirectory("vmnet-kubectl-");
        try
        {
            await using var f = await ServerFixture.StartAsync(new ApiServerOptions { UseHttps = true, BearerToken = "kubectl-token" });
            var kubeconfig = f.Server.WriteKubeconfig(Path.Combine(dir.FullName, "config"));
            await f.CreateAsync("/api/v1/namespaces/kube-system/pods", ServerFixture.Pod("coredns", nodeName: "node-a"));

            var (exit, output) = await RunAsync(kubeconfig, "get pods -A");
            Assert.True(exit == 0, output);
            Assert.Matches(@"NAMESPACE\s+NAME\s+READY\s+STATUS", output);
            Assert.Matches(@"kube-system\s+coredns\s+0/1\s+Pending", output);

            const string Crd = """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: subnets.kubeovn.io}
                spec:
                  group: kubeovn.io
                  scope: Cluster
                  names: {plural: subnets, singular: subnet, kind: Subnet}
                  versions:
                  - name: v1
                    served: true
                    storage: true
                    subresources: {status: {}}
                    additionalPrinterColumns:
                    - {name: CIDR, type: string, jsonPath: .spec.cidrBlock}
                    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
                """;
            const string Subnet = """
                apiVersion: kubeovn.io/v1
                kind: Subnet
                metadata: {name: ovn-default}
                spec: {cidrBlock: 10.16.0.0/16}
                """;
            // Generator commands send protobuf bodies.
            (exit, output) = await RunAsync(kubeconfig, "create namespace demo");
            Assert.True(exit == 0, output);
            (exit, output) = await RunAsync(kubeconfig, "-n demo create configmap settings --from-literal=mode=fast");
            Assert.True(exit == 0, output);
            (exit, output) = await RunAsync(kubeconfig, "-n demo get configmap settings -o jsonpath={.data.mode}");
            Assert.True(exit == 0, output);
            Assert.Equal("fast", output.Trim());

            // As with a real cluster, the CRD must exist before kubectl can validate its objects.
            (exit, output) = await RunAsync(kubeconfig, "apply -f -", Crd);
            Assert.True(exit == 0, output);
            (exit, output) = await RunAsync(kubeconfig, "apply -f -", Subnet);
            Assert.True(exit == 0, output);

            (exit, output) = await RunAsync(kubeconfig, "get subnets");
            Assert.True(exit == 0, output);
            Assert.Matches(@"NAME\s+CIDR", output);
            Assert.Matches(@"ovn-default\s+10\.16\.0\.0/16", output);

            (exit, output) = await RunAsync(kubeconfig, "get subnet ovn-default -o json");
            Assert.True(exit == 0, output);
            var json = System.Text.Json.Nodes.JsonNode.Parse(output)!;
            Assert.Equal("Subnet", (string?)json["kind"]);
            Assert.Equal("10.16.0.0/16", (string?)json["spec"]!["cidrBlock"]);

            (exit, output) = await RunAsync(kubeconfig, "delete subnet ovn-default");
            Assert.True(exit == 0, output);
            Assert.Equal(HttpStatusCodeNotFound, (int)(await f.GetAsync("/apis/kubeovn.io/v1/subnets/ovn-default")).Code);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private const int HttpStatusCodeNotFound = 404;
}
