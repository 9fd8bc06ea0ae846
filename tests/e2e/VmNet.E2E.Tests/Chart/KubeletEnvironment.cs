using System.Text;
using System.Text.Json.Nodes;

namespace VmNet.E2E.Chart;

/// <summary>
/// A container's environment and arguments as kubelet hands them to the process: downward-API fields take the
/// sample values given, and <c>$(VAR)</c> in args expands to a defined variable (<c>$$</c> is a literal <c>$</c>;
/// an undefined reference stays as written), per the Kubernetes container args rules.
/// </summary>
public sealed class KubeletEnvironment
{
    /// <summary>What the downward API would give a pod of the rendered release on a sample node.</summary>
    public static readonly IReadOnlyDictionary<string, string> SampleFields = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["spec.nodeName"] = "node-a",
        ["status.hostIP"] = "192.0.2.10",
        ["metadata.namespace"] = ChartTemplate.Namespace,
        ["metadata.name"] = "vmnet-controller-5d8f7c9b4-x2x7q",
    };

    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);

    public KubeletEnvironment(JsonObject container, IReadOnlyDictionary<string, string>? fieldValues = null)
    {
        ArgumentNullException.ThrowIfNull(container);
        fieldValues ??= SampleFields;
        foreach (var entry in container["env"]?.AsArray() ?? [])
        {
            var name = RenderedChart.Text(entry!, "name");
            if (entry!["value"] is { } value)
            {
                _variables[name] = Expand(value.GetValue<string>());
            }
            else
            {
                var fieldPath = RenderedChart.Text(entry, "valueFrom", "fieldRef", "fieldPath");
                _variables[name] = fieldValues.TryGetValue(fieldPath, out var sample)
                    ? sample
                    : throw new KeyNotFoundException($"env {name}: no sample value for downward-API field {fieldPath}");
            }
        }

        Args = [.. RenderedChart.Strings(container["args"]).Select(Expand)];
    }

    public IReadOnlyList<string> Args { get; }

    public IReadOnlyDictionary<string, string> Variables => _variables;

    public string? Get(string name) => _variables.TryGetValue(name, out var value) ? value : null;

    private string Expand(string text)
    {
        var result = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '$')
            {
                result.Append('$');
                i++;
            }
            else if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '(' && text.IndexOf(')', i) is var close and > 0
                && _variables.TryGetValue(text[(i + 2)..close], out var value))
            {
                result.Append(value);
                i = close;
            }
            else
            {
                result.Append(text[i]);
            }
        }

        return result.ToString();
    }
}
