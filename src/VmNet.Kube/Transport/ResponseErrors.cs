using System.Text;
using System.Text.Json;
using VmNet.Kube.Models;
using VmNet.Kube.Serialization;

namespace VmNet.Kube.Transport;

/// <summary>Turns error bodies and transport exceptions into readable detail.</summary>
internal static class ResponseErrors
{
    /// <summary>The Status in an error body; a non-Status body becomes a Status whose message is the body's start.</summary>
    public static V1Status? ParseStatus(byte[] body)
    {
        if (body.Length == 0)
        {
            return null;
        }

        try
        {
            var status = JsonSerializer.Deserialize<V1Status>(body, KubeJson.Options);
            if (status is not null && (status.Kind == "Status" || status.Code is not null || status.Message is not null))
            {
                return status;
            }
        }
        catch (JsonException)
        {
            // Proxies and load balancers answer with HTML or text; the snippet below keeps it visible.
        }

        return new V1Status { Message = "response body is not a Status: " + Snippet(body) };
    }

    public static string Snippet(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300)).ReplaceLineEndings(" ");
        return body.Length > 300 ? text + "..." : text;
    }

    /// <summary>The innermost message, which names the real cause (e.g. "Connection reset by peer").</summary>
    public static string Describe(Exception e)
    {
        var messages = new List<string>();
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (!messages.Contains(current.Message))
            {
                messages.Add(current.Message);
            }
        }

        return string.Join(" -> ", messages);
    }
}
