using System.Globalization;

namespace VmNet.Dpdk;

/// <summary>
/// How a node's OVS-DPDK build is configured (Open_vSwitch other_config, written before ovs-vswitchd starts).
/// Defaults fit a test machine without hugepages; real nodes set <see cref="HugepageDirectory"/> and
/// <see cref="SocketMemoryMb"/> and an <see cref="EalExtra"/> without <c>--no-huge</c>.
/// </summary>
public sealed record DpdkSettings
{
    /// <summary>OVS accepts 0..10000 us for pmd-maxsleep.</summary>
    public const int MaxPmdSleepMicros = 10000;

    /// <summary>
    /// Upper bound of a PMD thread's load-based sleep. OVS's default 0 busy-polls a whole core even when idle
    /// (measured 99 % of a core); 1000 us brought an idle DPDK vswitchd to ~2.6 % with no visible RTT cost here.
    /// </summary>
    public int PmdMaxSleepMicros { get; init; } = 1000;

    /// <summary>
    /// Extra EAL arguments. Without hugepages, <c>--no-huge</c> needs <c>--legacy-mem</c> (OVS 3.1 otherwise appends
    /// <c>--in-memory</c>, which EAL rejects) and then a <c>--file-prefix</c> unique per DPDK process on the host.
    /// </summary>
    public string EalExtra { get; init; } = "--no-pci --no-huge -m 512 --legacy-mem";

    /// <summary>Appended as <c>--file-prefix=</c> when not null (unique per DPDK primary process).</summary>
    public string? FilePrefix { get; init; }

    /// <summary>One mempool per port (~20k mbufs); the shared default asks for 262144 mbufs and fails in 512 MB.</summary>
    public bool PerPortMemory { get; init; } = true;

    /// <summary>Optional pmd-cpu-mask, e.g. "0x2".</summary>
    public string? PmdCpuMask { get; init; }

    /// <summary>Hugetlbfs mount (dpdk-hugepage-dir) on nodes with hugepages.</summary>
    public string? HugepageDirectory { get; init; }

    /// <summary>dpdk-socket-mem and dpdk-socket-limit in MB on nodes with hugepages.</summary>
    public int? SocketMemoryMb { get; init; }

    public void Validate()
    {
        if (PmdMaxSleepMicros < 0 || PmdMaxSleepMicros > MaxPmdSleepMicros)
        {
            throw new ArgumentOutOfRangeException(nameof(PmdMaxSleepMicros), PmdMaxSleepMicros, $"pmd-maxsleep must be 0..{MaxPmdSleepMicros} us");
        }

        if (EalExtra.Contains("--no-huge", StringComparison.Ordinal) && !EalExtra.Contains("--legacy-mem", StringComparison.Ordinal))
        {
            throw new ArgumentException($"EalExtra \"{EalExtra}\": --no-huge needs --legacy-mem (OVS adds --in-memory otherwise and EAL aborts)", nameof(EalExtra));
        }

        if (FilePrefix is { } prefix && (prefix.Length == 0 || prefix.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))))
        {
            throw new ArgumentException($"FilePrefix \"{prefix}\" must be non-empty letters, digits, '-' or '_'", nameof(FilePrefix));
        }
    }

    /// <summary>The Open_vSwitch other_config keys this configuration sets.</summary>
    public IReadOnlyDictionary<string, string> ToOtherConfig()
    {
        Validate();
        var extra = FilePrefix is null ? EalExtra : EalExtra + " --file-prefix=" + FilePrefix;
        var config = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["dpdk-init"] = "true",
            ["per-port-memory"] = PerPortMemory ? "true" : "false",
            ["pmd-maxsleep"] = PmdMaxSleepMicros.ToString(CultureInfo.InvariantCulture),
            ["dpdk-extra"] = extra.Trim(),
        };
        if (PmdCpuMask is { } mask)
        {
            config["pmd-cpu-mask"] = mask;
        }

        if (HugepageDirectory is { } dir)
        {
            config["dpdk-hugepage-dir"] = dir;
        }

        if (SocketMemoryMb is { } mb)
        {
            config["dpdk-socket-mem"] = mb.ToString(CultureInfo.InvariantCulture);
            config["dpdk-socket-limit"] = mb.ToString(CultureInfo.InvariantCulture);
        }

        return config;
    }
}
