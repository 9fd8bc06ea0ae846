using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace VmNet.Daemon.Tests.Sriov;

/// <summary>
/// A switchdev NIC emulated in a node netns: the PF uplink is a real link (one end of a veth whose
/// other end stands for the wire; this kernel has no dummy or netdevsim module), each VF/representor pair
/// is a real veth pair (what the VF sends comes out of its representor, as on the eswitch), and a sysfs
/// tree in a temp dir lays them out exactly as the kernel does for mlx5 in switchdev mode:
/// <c>devices/pci0000:00/&lt;pci&gt;/</c> with <c>physfn</c>, <c>virtfnN</c>, <c>driver</c> links and <c>net/&lt;ifname&gt;/</c>
/// dirs (the PF's holding the uplink and the representors) with <c>phys_port_name</c> and
/// <c>phys_switch_id</c>; <c>bus/pci/devices/*</c> and <c>class/net/*</c> are symlinks into it.
/// Self-contained (iproute2 as the test-side tool) so the rig e2e compiles the same file.
/// </summary>
internal sealed class EmulatedSwitchdevNic : IDisposable
{
    public const string PfPci = "0000:3b:00.0";
    public const string SwitchId = "a1b2c3fffe445566";

    public EmulatedSwitchdevNic(string nodeNetns, int vfCount, Func<int, bool>? withRepresentor = null)
    {
        VfCount = vfCount;
        Prefix = "vs" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))[..5];
        NodeNetns = nodeNetns;
        Root = Directory.CreateTempSubdirectory("vmnet-sysfs-").FullName;
        PfNetdev = Prefix + "p0";
        try
        {
            Ip("-n", nodeNetns, "link", "add", PfNetdev, "type", "veth", "peer", "name", Prefix + "w0");
            AddNetdev(PfPci, PfNetdev, "p0");
            Directory.CreateDirectory(Path.Combine(Root, "bus/pci/drivers/mlx5_core"));
            for (var i = 0; i < vfCount; i++)
            {
                var vf = VfNetdev(i);
                var rep = Representor(i);
                Ip("-n", nodeNetns, "link", "add", vf, "type", "veth", "peer", "name", rep);
                var pci = VfPci(i);
                Directory.CreateDirectory(Device(pci));
                Link(Path.Combine(Device(pci), "physfn"), "../" + PfPci);
                Link(Path.Combine(Device(PfPci), "virtfn" + i.ToString(CultureInfo.InvariantCulture)), "../" + pci);
                Link(Path.Combine(Device(pci), "driver"), "../../../bus/pci/drivers/mlx5_core");
                AddNetdev(pci, vf, physPortName: null);
                if (withRepresentor?.Invoke(i) ?? true)
                {
                    AddNetdev(PfPci, rep, "pf0vf" + i.ToString(CultureInfo.InvariantCulture));
                }
            }
        }
        catch
        {
            // A half-built NIC is removed: links in the node netns and the sysfs tree.
            Dispose();
            throw;
        }
    }

    public string Prefix { get; }

    public int VfCount { get; }

    public string NodeNetns { get; }

    public string Root { get; }

    public string PfNetdev { get; }

    public static string VfPci(int index) => "0000:3b:00." + (index + 2).ToString(CultureInfo.InvariantCulture);

    public string VfNetdev(int index) => Prefix + "v" + index.ToString(CultureInfo.InvariantCulture);

    public string Representor(int index) => Prefix + "r" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>Binds VF <paramref name="index"/> to vfio-pci as for a VM: its netdev leaves sysfs (the veth stays, unused).</summary>
    public void BindToVfio(int index)
    {
        var pci = VfPci(index);
        Directory.CreateDirectory(Path.Combine(Root, "bus/pci/drivers/vfio-pci"));
        File.Delete(Path.Combine(Device(pci), "driver"));
        Link(Path.Combine(Device(pci), "driver"), "../../../bus/pci/drivers/vfio-pci");
        Directory.Delete(Path.Combine(Device(pci), "net"), recursive: true);
        File.Delete(Path.Combine(Root, "class/net", VfNetdev(index)));
    }

    /// <summary>
    /// Mirrors in the sysfs tree a rename the kernel made to VF <paramref name="index"/>'s netdev outside the
    /// daemon (a physical VF returned to the initial namespace under its pod-side name when the pod netns died).
    /// </summary>
    public void FollowKernelRename(int index, string newName)
    {
        var net = Path.Combine(Device(VfPci(index)), "net");
        var current = Directory.EnumerateDirectories(net).Single();
        Directory.Move(current, Path.Combine(net, newName));
        File.Delete(Path.Combine(Root, "class/net", Path.GetFileName(current)));
        Link(Path.Combine(Root, "class/net", newName), $"../../devices/pci0000:00/{VfPci(index)}/net/{newName}");
    }

    public void Dispose()
    {
        TryIp("-n", NodeNetns, "link", "del", PfNetdev);
        for (var i = 0; i < VfCount; i++)
        {
            TryIp("-n", NodeNetns, "link", "del", Representor(i));
        }

        Directory.Delete(Root, recursive: true);
    }

    private string Device(string pci) => Path.Combine(Root, "devices/pci0000:00", pci);

    private void AddNetdev(string pci, string name, string? physPortName)
    {
        var dir = Path.Combine(Device(pci), "net", name);
        Directory.CreateDirectory(dir);
        if (physPortName is not null)
        {
            File.WriteAllText(Path.Combine(dir, "phys_port_name"), physPortName + "\n");
            File.WriteAllText(Path.Combine(dir, "phys_switch_id"), SwitchId + "\n");
        }

        Directory.CreateDirectory(Path.Combine(Root, "bus/pci/devices"));
        var busLink = Path.Combine(Root, "bus/pci/devices", pci);
        if (!Path.Exists(busLink))
        {
            Link(busLink, "../../../devices/pci0000:00/" + pci);
        }

        Directory.CreateDirectory(Path.Combine(Root, "class/net"));
        Link(Path.Combine(Root, "class/net", name), $"../../devices/pci0000:00/{pci}/net/{name}");
    }

    private static void Link(string path, string target) => File.CreateSymbolicLink(path, target);

    private static void Ip(params string[] args)
    {
        var (code, error) = TryIp(args);
        if (code != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} exited {code}: {error.Trim()}");
        }
    }

    private static (int ExitCode, string Error) TryIp(params string[] args)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start ip");
        var error = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, error);
    }
}
