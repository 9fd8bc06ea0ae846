using System.Reflection;
using VmNet.Bench;

// Usage: vmnet-bench [all|NAME...]. Benchmarks are discovered: each IBenchmark in this assembly.
var benchmarks = Assembly.GetExecutingAssembly().GetTypes()
    .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
    .OrderBy(b => b.Name, StringComparer.Ordinal)
    .ToList();
var wanted = args.Where(a => a != "all").ToHashSet(StringComparer.OrdinalIgnoreCase);
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
var failed = 0;
foreach (var bench in benchmarks.Where(b => wanted.Count == 0 || wanted.Contains(b.Name)))
{
    Console.WriteLine($"== bench {bench.Name}");
    try
    {
        await bench.RunAsync(cts.Token);
    }
    catch (Exception ex) when (ex is not OperationCanceledException)
    {
        failed++;
        Console.Error.WriteLine($"bench {bench.Name} failed: {ex}");
    }
}

return failed == 0 ? 0 : 1;
