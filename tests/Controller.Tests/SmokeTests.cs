namespace VmNet.Tests.Smoke;

public class SmokeTests
{
    [Fact]
    public void RepositoryRootIsFound() => Assert.True(File.Exists(Path.Combine(VmNet.TestSupport.TestPaths.RepoRoot, "Makefile")));
}
