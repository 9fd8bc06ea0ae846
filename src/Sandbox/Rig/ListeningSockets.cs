using System.Globalization;

namespace VmNet.Sandbox.Rig;

/// <summary>
/// Finds the TCP ports a process listens on by matching its socket inodes (/proc/PID/fd) against
/// its network namespace's /proc/PID/net/tcp. ovsdb-server/list-remotes only echoes "ptcp:0:..."
/// so this is how we learn the port the kernel chose.
/// </summary>
public static class ListeningSockets
{
    private const string ListenState = "0A";

    public static IReadOnlyList<int> TcpPorts(int pid)
    {
        var pidText = pid.ToString(CultureInfo.InvariantCulture);
        var inodes = SocketInodes(pidText);
        if (inodes.Count == 0)
        {
            return [];
        }

        var ports = new List<int>();
        foreach (var table in new[] { "tcp", "tcp6" })
        {
            string[] lines;
            try
            {
                lines = File.ReadAllLines($"/proc/{pidText}/net/{table}");
            }
            catch (IOException)
            {
                continue;
            }

            foreach (var line in lines.Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 10 || fields[3] != ListenState || !inodes.Contains(fields[9]))
                {
                    continue;
                }

                var local = fields[1];
                var colon = local.LastIndexOf(':');
                ports.Add(int.Parse(local[(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }

        return ports;
    }

    private static HashSet<string> SocketInodes(string pidText)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        string[] fds;
        try
        {
            fds = Directory.GetFiles($"/proc/{pidText}/fd");
        }
        catch (IOException)
        {
            return inodes;
        }

        foreach (var fd in fds)
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (IOException)
            {
                continue;
            }

            // "socket:[12345]"
            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
            {
                inodes.Add(target[8..^1]);
            }
        }

        return inodes;
    }
}
