using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Addressing;

/// <summary>Reads the Warning events the controller recorded about an object.</summary>
public static class EventsAsync
{
    /// <summary>Waits for a Warning about <paramref name="name"/> whose message contains <paramref name="text"/>; returns the messages.</summary>
    public static async Task<string> WaitForWarningAsync(IKubeClient client, string ns, string name, string text, string kind = "Pod")
    {
        var found = string.Empty;
        await AddressingHarness.WaitUntilAsync(async () =>
        {
            var events = await client.ListAsync<CoreV1Event>(ns);
            found = string.Join("\n", events.Items
                .Where(e => e.Type == "Warning" && e.InvolvedObject?.Name == name && e.InvolvedObject?.Kind == kind && e.Message?.Contains(text, StringComparison.Ordinal) == true)
                .Select(e => $"{e.Reason}: {e.Message}"));
            return found.Length > 0;
        }, TimeSpan.FromSeconds(20), $"warning about {kind} {ns}/{name} mentioning {text}");
        return found;
    }
}
