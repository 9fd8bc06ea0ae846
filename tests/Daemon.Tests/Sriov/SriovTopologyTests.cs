using VmNet.Daemon.Sriov;

namespace VmNet.Daemon.Tests.Sriov;

public sealed class SriovTopologyTests
{
    [Theory]
    [InlineData("0000:3B:00.2", "0000:3b:00.2")]
    [InlineData("3b:00.2", "0000:3b:00.2")]
    [InlineData(" 0000:af:1f.7 ", "0000:af:1f.7")]
    public void PciAddressesAreNormalised(string input, string expected) => Assert.Equal(expected, PciAddress.Normalize(input, "deviceID"));

    [Theory]
    [InlineData("")]
    [InlineData("eth0")]
    [InlineData("0000:3b:00.8")]
    [InlineData("0000:3b:20.1")]
    [InlineData("../../etc")]
    public void BadPciAddressesNameTheField(string input)
    {
        var error = Assert.Throws<SriovException>(() => PciAddress.Normalize(input, "deviceID"));
        Assert.Equal($"deviceID \"{input}\" is not a PCI address (expected domain:bus:device.function, e.g. 0000:03:00.2)", error.Message);
    }

    [Fact]
    public void DevlinkJsonGivesTheMode()
    {
        const string json = """{"dev":{"pci/0000:3b:00.0":{"mode":"switchdev","inline-mode":"none","encap-mode":"basic"}}}""";
        Assert.Equal("switchdev", DevlinkEswitchModeReader.ParseMode(json, "0000:3b:00.0"));
        var other = Assert.Throws<SriovException>(() => DevlinkEswitchModeReader.ParseMode(json, "0000:3b:00.1"));
        Assert.Contains("no dev.\"pci/0000:3b:00.1\".mode", other.Message, StringComparison.Ordinal);
        Assert.Throws<SriovException>(() => DevlinkEswitchModeReader.ParseMode("not json", "0000:3b:00.0"));
    }

    /// <summary>The real reader on this kernel (no devlink device at that address): devlink's own reason in a typed error.</summary>
    [Fact]
    public async Task DevlinkReaderReportsAMissingDeviceClearly()
    {
        var error = await Assert.ThrowsAsync<SriovException>(() => new DevlinkEswitchModeReader().ReadModeAsync("0000:ff:1f.7", CancellationToken.None));
        Assert.StartsWith("devlink eswitch show pci/0000:ff:1f.7 failed (exit ", error.Message, StringComparison.Ordinal);
        var missing = await Assert.ThrowsAsync<SriovException>(() => new DevlinkEswitchModeReader("/nonexistent/devlink").ReadModeAsync("0000:ff:1f.7", CancellationToken.None));
        Assert.Contains("cannot run /nonexistent/devlink", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PhysicalFunctionsAreFoundByTheirVirtfnLinks()
    {
        var root = Directory.CreateTempSubdirectory("vmnet-sysfs-").FullName;
        try
        {
            var pf = Path.Combine(root, "bus/pci/devices/0000:3b:00.0");
            Directory.CreateDirectory(Path.Combine(pf, "net/enp59s0f0np0"));
            File.WriteAllText(Path.Combine(pf, "net/enp59s0f0np0/phys_port_name"), "p0\n");
            Directory.CreateDirectory(Path.Combine(root, "class/net"));
            File.CreateSymbolicLink(Path.Combine(root, "class/net/enp59s0f0np0"), Path.Combine(pf, "net/enp59s0f0np0"));
            File.CreateSymbolicLink(Path.Combine(pf, "virtfn0"), "../0000:3b:00.2");
            Directory.CreateDirectory(Path.Combine(root, "bus/pci/devices/0000:00:1f.6/net/eno1"));
            Assert.Equal([("0000:3b:00.0", (string?)"enp59s0f0np0")], new SriovTopology(new Sysfs(root)).PhysicalFunctions());
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
