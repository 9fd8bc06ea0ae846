namespace VmNet.E2E.Chart;

/// <summary>A values file in a directory of its own under the temp dir, deleted with it.</summary>
public sealed class TemporaryValuesFile : IDisposable
{
    private readonly string _directory;

    public TemporaryValuesFile(string yaml)
    {
        _directory = Directory.CreateTempSubdirectory("vmnet-chart-values-").FullName;
        Path = System.IO.Path.Combine(_directory, "values.yaml");
        File.WriteAllText(Path, yaml);
    }

    public string Path { get; }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
