using System.Text.Json.Nodes;

namespace VmNet.ApiServer.Tests;

/// <summary>Reads a watch stream line by line (newline-delimited WatchEvents).</summary>
public sealed class WatchClient : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private WatchClient(HttpResponseMessage response, StreamReader reader)
    {
        _response = response;
        _reader = reader;
    }

    public System.Net.HttpStatusCode StatusCode => _response.StatusCode;

    public static async Task<WatchClient> OpenAsync(HttpClient http, string pathAndQuery)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var response = await http.GetAsync(pathAndQuery, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var stream = await response.Content.ReadAsStreamAsync(cts.Token);
        return new WatchClient(response, new StreamReader(stream));
    }

    /// <summary>The next event, or null when the server ended the stream.</summary>
    public async Task<JsonObject?> NextAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var line = await _reader.ReadLineAsync(cts.Token);
        return line is null ? null : JsonNode.Parse(line)!.AsObject();
    }

    public async Task<List<JsonObject>> TakeAsync(int count, TimeSpan? timeout = null)
    {
        var events = new List<JsonObject>();
        for (var i = 0; i < count; i++)
        {
            events.Add(await NextAsync(timeout) ?? throw new InvalidOperationException($"watch ended after {events.Count} of {count} events"));
        }

        return events;
    }

    /// <summary>True if the stream ends (server closed it) within the timeout.</summary>
    public async Task<bool> EndsWithinAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (await _reader.ReadLineAsync(cts.Token) is not null)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public static string Type(JsonObject e) => (string)e["type"]!;

    public static string Name(JsonObject e) => (string)e["object"]!["metadata"]!["name"]!;

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
