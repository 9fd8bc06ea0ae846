using System.Globalization;
using System.Text.Json.Nodes;
using VmNet.Kube;
using VmNet.Kube.Models;
using VmNet.Kube.Serialization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace VmNet.Controller.Tests.Topology;

/// <summary>Installs the chart's CRD manifests (YAML, typed scalars kept) plus the Multus NAD CRD into a test API server.</summary>
internal static class CrdInstaller
{
    public static async Task InstallAsync(IKubeClient client, bool withNetworkAttachmentDefinitions = true, CancellationToken cancellationToken = default)
    {
        var directory = Path.Combine(RepositoryRoot(), "charts", "vmnet", "crds");
        foreach (var file in Directory.GetFiles(directory, "*.yaml").Order(StringComparer.Ordinal))
        {
            var stream = new YamlStream();
            using (var reader = new StringReader(await File.ReadAllTextAsync(file, cancellationToken)))
            {
                stream.Load(reader);
            }

            foreach (var document in stream.Documents)
            {
                var json = ToJson(document.RootNode)!.ToJsonString();
                var crd = KubeJson.Deserialize<V1CustomResourceDefinition>(json)!;
                await client.CreateAsync(crd, cancellationToken);
            }
        }

        if (!withNetworkAttachmentDefinitions)
        {
            return;
        }

        await client.CreateAsync(VmNet.TestSupport.ControllerCrds.Crd("k8s.cni.cncf.io", "network-attachment-definitions", "NetworkAttachmentDefinition", "Namespaced"), cancellationToken);
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VmNet.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root (VmNet.slnx) not found above " + AppContext.BaseDirectory);
    }

    private static JsonNode? ToJson(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (key, value) in map.Children)
                {
                    obj[((YamlScalarNode)key).Value!] = ToJson(value);
                }

                return obj;
            case YamlSequenceNode seq:
                var array = new JsonArray();
                foreach (var item in seq.Children)
                {
                    array.Add(ToJson(item));
                }

                return array;
            case YamlScalarNode scalar:
                var text = scalar.Value ?? "";
                if (scalar.Style is ScalarStyle.Plain)
                {
                    if (text is "true" or "false")
                    {
                        return JsonValue.Create(text == "true");
                    }

                    if (text is "null" or "~" or "")
                    {
                        return null;
                    }

                    if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer))
                    {
                        return JsonValue.Create(integer);
                    }

                    if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
                    {
                        return JsonValue.Create(real);
                    }
                }

                return JsonValue.Create(text);
            default:
                throw new NotSupportedException($"YAML node {node.NodeType}");
        }
    }
}
