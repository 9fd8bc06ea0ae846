using System.Text.Json;
using System.Threading.Channels;

namespace VmNet.ApiServer;

/// <summary>
/// One open watch. The store offers every committed event under its lock, so frames reach the channel
/// in resourceVersion order with no gaps; the HTTP stream drains the channel.
/// </summary>
internal sealed class Watcher
{
    private readonly Channel<WatchFrame> _frames = Channel.CreateUnbounded<WatchFrame>(new UnboundedChannelOptions { SingleReader = true });

    public Watcher(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields, bool bookmarks)
    {
        Type = type;
        Namespace = string.IsNullOrEmpty(ns) ? null : ns;
        Labels = labels;
        Fields = fields;
        Bookmarks = bookmarks;
    }

    public ResourceType Type { get; }

    public string? Namespace { get; }

    public LabelSelector Labels { get; }

    public FieldSelector Fields { get; }

    public bool Bookmarks { get; }

    public ChannelReader<WatchFrame> Reader => _frames.Reader;

    public bool Matches(StoredObject obj) =>
        (Namespace is null || obj.Namespace == Namespace) && Labels.Matches(obj.Labels) && (Fields.IsEmpty || Fields.Matches(obj));

    /// <summary>Translates a committed event into what this watcher sees, including selector transitions.</summary>
    public void Offer(StoreEvent e)
    {
        switch (e.Type)
        {
            case WatchEventType.Modified:
                var now = Matches(e.Object);
                var before = e.Previous is not null && Matches(e.Previous);
                if (now)
                {
                    Write(before ? WatchEventType.Modified : WatchEventType.Added, e.Object.Json);
                }
                else if (before)
                {
                    // As the real watch cache does: the object left the selector, so the watcher sees
                    // its last matching state deleted at this event's resourceVersion.
                    var left = e.Previous!.ToNode();
                    left.Metadata()["resourceVersion"] = ObjectMeta.RvString(e.ResourceVersion);
                    Write(WatchEventType.Deleted, JsonSerializer.SerializeToUtf8Bytes(left, JsonNodeContext.Default.JsonObject));
                }

                break;
            default:
                if (Matches(e.Object))
                {
                    Write(e.Type, e.Object.Json);
                }

                break;
        }
    }

    public void Write(string type, byte[] json) => _frames.Writer.TryWrite(new WatchFrame(type, json));

    public void Close() => _frames.Writer.TryComplete();
}
