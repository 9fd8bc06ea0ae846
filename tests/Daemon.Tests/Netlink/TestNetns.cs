namespace VmNet.Daemon.Tests.Netlink;

/// <summary>A network namespace made with `ip netns add` for one test and deleted (by name) after it.</summary>
internal sealed class TestNetns : IDisposable
{
    public TestNetns(string name)
    {
        Name = name;
        IpTool.Run("ip", "netns", "add", name);
    }

    public string Name { get; }

    public string Path => "/var/run/netns/" + Name;

    public void Dispose() => IpTool.TryRun("ip", "netns", "del", Name);
}
