using VmNet.Cni;

namespace VmNet.Tests.Cni;

public class CniVersionsTests
{
    [Theory]
    [InlineData("0.3.1", "0.4.0", -1)]
    [InlineData("1.0.0", "0.4.0", 1)]
    [InlineData("1.1.0", "1.1.0", 0)]
    [InlineData("1.1", "1.1.0", 0)]
    [InlineData("0.10.0", "0.9.0", 1)]
    public void Versions_compare_numerically(string a, string b, int sign) => Assert.Equal(sign, Math.Sign(CniVersions.Compare(a, b)));

    [Theory]
    [InlineData("0.3.0", false, false, true)]
    [InlineData("0.3.1", false, false, true)]
    [InlineData("0.4.0", true, false, true)]
    [InlineData("1.0.0", true, false, false)]
    [InlineData("1.1.0", true, true, false)]
    public void Features_follow_the_spec(string version, bool check, bool statusGc, bool ipVersion)
    {
        Assert.True(CniVersions.IsSupported(version));
        Assert.Equal(check, CniVersions.AllowsCheck(version));
        Assert.Equal(statusGc, CniVersions.AllowsStatusAndGc(version));
        Assert.Equal(ipVersion, CniVersions.ResultHasIpVersion(version));
    }

    [Theory]
    [InlineData("0000:03:00.1", true)]
    [InlineData("0000:af:1f.7", true)]
    [InlineData("0000:03:20.1", false)]
    [InlineData("0000:03:00.8", false)]
    [InlineData("03:00.1", false)]
    [InlineData("0000:0g:00.1", false)]
    public void Pci_addresses_are_checked(string text, bool valid) => Assert.Equal(valid, PciAddress.IsValid(text));

    [Theory]
    [InlineData("10.16.0.5/16", true)]
    [InlineData("fd00::5/64", true)]
    [InlineData("0.0.0.0/0", true)]
    [InlineData("10.16.0.5", false)]
    [InlineData("10.16.0.5/33", false)]
    [InlineData("fd00::5/129", false)]
    [InlineData("10.16.0.5/-1", false)]
    [InlineData("/16", false)]
    public void Cidr_text_allows_host_bits(string text, bool valid) => Assert.Equal(valid, CidrText.IsValid(text));
}
