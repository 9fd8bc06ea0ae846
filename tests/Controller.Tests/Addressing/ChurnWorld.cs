using VmNet.Kube;
using VmNet.Kube.Models;

namespace VmNet.Controller.Tests.Addressing;

/// <summary>
/// Drives pod and VM churn against the API server like kubelet/KubeVirt would: creates pods and VMs (VM, VMI,
/// launcher pod), deletes pods, restarts VMs (VMI deleted with its launcher, then a new VMI and launcher) and
/// deletes VMs. Remembers what should exist at the end.
/// </summary>
public sealed class ChurnWorld(IKubeClient client, int seed, string ns = "default")
{
    private readonly Random _random = new(seed);
    private readonly List<string> _pods = [];
    private readonly List<string> _vms = [];
    private int _generation;

    public IReadOnlyList<string> LivePods => _pods;

    public IReadOnlyList<string> LiveVms => _vms;

    public async Task CreatePodsAsync(int count)
    {
        var names = Enumerable.Range(0, count).Select(_ => $"pod-{seed}-{Interlocked.Increment(ref _generation)}").ToList();
        await ParallelAsync(names, name => client.CreateAsync(KubeTestObjects.Pod(ns, name)));
        _pods.AddRange(names);
    }

    public async Task CreateVmsAsync(int count)
    {
        var names = Enumerable.Range(0, count).Select(_ => $"vm-{seed}-{Interlocked.Increment(ref _generation)}").ToList();
        await ParallelAsync(names, async name =>
        {
            var vm = await client.CreateAsync(KubeTestObjects.Vm(ns, name));
            await StartAsync(name, vm.Metadata!.Uid!);
        });
        _vms.AddRange(names);
    }

    public async Task DeletePodsAsync(int count)
    {
        var victims = Take(_pods, count);
        await ParallelAsync(victims, name => client.DeleteAsync<V1Pod>(ns, name));
    }

    public async Task RestartVmsAsync(int count)
    {
        var restarted = _vms.OrderBy(_ => _random.Next()).Take(count).ToList();
        await ParallelAsync(restarted, async name =>
        {
            await client.DeleteAsync<V1VirtualMachineInstance>(ns, name);
            var vm = await client.GetAsync<V1VirtualMachine>(ns, name);
            await WaitGoneAsync(name);
            await StartAsync(name, vm.Metadata!.Uid!);
        });
    }

    public async Task DeleteVmsAsync(int count)
    {
        var victims = Take(_vms, count);
        await ParallelAsync(victims, name => client.DeleteAsync<V1VirtualMachine>(ns, name));
    }

    private async Task StartAsync(string vm, string vmUid)
    {
        var vmi = await client.CreateAsync(KubeTestObjects.Vmi(ns, vm, vmUid));
        await client.CreateAsync(KubeTestObjects.Launcher(ns, vm, $"virt-launcher-{vm}-{Interlocked.Increment(ref _generation)}", vmiUid: vmi.Metadata!.Uid));
    }

    private async Task WaitGoneAsync(string vmi)
    {
        while (true)
        {
            try
            {
                await client.GetAsync<V1VirtualMachineInstance>(ns, vmi);
                await Task.Delay(10);
            }
            catch (KubeNotFoundException)
            {
                return;
            }
        }
    }

    private List<string> Take(List<string> from, int count)
    {
        var victims = from.OrderBy(_ => _random.Next()).Take(count).ToList();
        foreach (var victim in victims)
        {
            from.Remove(victim);
        }

        return victims;
    }

    private static Task ParallelAsync(IEnumerable<string> items, Func<string, Task> action) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (item, _) => await action(item));
}
