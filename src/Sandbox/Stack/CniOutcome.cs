using System.Text.Json;
using System.Text.Json.Nodes;

namespace VmNet.Sandbox.Stack;

/// <summary>What one exec of the CNI binary did: exit code, stdout (result or CNI error JSON), stderr, wall time.</summary>
public sealed record CniOutcome(string Command, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>stdout as JSON, or null when it is empty or not JSON.</summary>
    public JsonNode? Json
    {
        get
        {
            try
            {
                return string.IsNullOrWhiteSpace(Stdout) ? null : JsonNode.Parse(Stdout);
            }
            catch (JsonException)
            {
                return null;
            }
        }
    }

    /// <summary>The CNI error code of a failed call (spec: 1 incompatible version, 4 invalid env, 6 decoding, 11 try again, 100+ plugin's own).</summary>
    public int? ErrorCode => Succeeded ? null : Json?["code"]?.GetValue<int>();

    /// <summary>msg and details of a CNI error, joined.</summary>
    public string ErrorText => Succeeded ? string.Empty : $"{Json?["msg"]?.GetValue<string>()} {Json?["details"]?.GetValue<string>()}".Trim();

    /// <summary>The result's first address ("10.16.0.5/16") of a successful ADD.</summary>
    public string? FirstAddress => Succeeded ? Json?["ips"]?[0]?["address"]?.GetValue<string>() : null;

    /// <summary>Everything, for assertion messages.</summary>
    public override string ToString() => $"CNI {Command}: exit {ExitCode} after {Elapsed.TotalMilliseconds:0} ms\nstdout: {Stdout}\nstderr: {Stderr}";
}
