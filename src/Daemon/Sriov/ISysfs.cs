namespace VmNet.Daemon.Sriov;

/// <summary>
/// Read-only view of sysfs below a root (<c>/sys</c> on a node). Paths are relative to the root, in the
/// kernel's layout (<c>bus/pci/devices/0000:03:00.2/physfn</c>, <c>class/net/eth1/phys_port_name</c>).
/// </summary>
public interface ISysfs
{
    string Root { get; }

    bool Exists(string path);

    /// <summary>The attribute's text without the trailing newline; null when absent or when the driver refuses it (EOPNOTSUPP).</summary>
    string? ReadAttribute(string path);

    /// <summary>The last path element of a symlink's target (<c>physfn</c> → the PF's PCI address); null when not a link.</summary>
    string? LinkTargetName(string path);

    /// <summary>Entry names of a directory (files, dirs and links); empty when it does not exist.</summary>
    IReadOnlyList<string> List(string path);
}

/// <summary>sysfs as the filesystem under <see cref="Root"/>.</summary>
public sealed class Sysfs(string root) : ISysfs
{
    public const string DefaultRoot = "/sys";

    public string Root { get; } = root;

    public bool Exists(string path) => Path.Exists(Full(path));

    public string? ReadAttribute(string path)
    {
        try
        {
            return File.ReadAllText(Full(path)).TrimEnd('\n', '\0');
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            // mlx5 in legacy mode answers phys_switch_id with EOPNOTSUPP: for us that is "no switch id".
            return null;
        }
    }

    public string? LinkTargetName(string path)
    {
        var info = new FileInfo(Full(path));
        return info.LinkTarget is { } target ? Path.GetFileName(target.TrimEnd('/')) : null;
    }

    public IReadOnlyList<string> List(string path)
    {
        var full = Full(path);
        return Directory.Exists(full)
            ? Directory.EnumerateFileSystemEntries(full).Select(e => Path.GetFileName(e)!).Order(StringComparer.Ordinal).ToList()
            : [];
    }

    private string Full(string path) => Path.Combine(Root, path);
}
