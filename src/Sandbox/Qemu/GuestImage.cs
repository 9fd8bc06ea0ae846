using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace VmNet.Sandbox.Qemu;

/// <summary>
/// The tiny migration test guest: the Debian cloud kernel and a busybox initramfs whose init configures
/// eth0 from the kernel command line and serves TCP echo (5000) and netinfo (5001); see src/Sandbox/Guest.
/// Built once per (kernel package version, busybox version, guest scripts) and cached.
/// </summary>
public sealed record GuestImage(string KernelPath, string InitrdPath, string CacheKey)
{
    public const string KernelMetaPackage = "linux-image-cloud-amd64";
    public const int EchoPort = 5000;
    public const int NetInfoPort = 5001;

    /// <summary>The guest's command port (src/Sandbox/Guest/guestctl.sh: "ping &lt;IPv4&gt; [count]").</summary>
    public const int ControlPort = 5002;
    public const string ReadyMarker = "GUEST-READY";

    /// <summary>Modules virtio-net needs, in load order (paths under lib/modules/&lt;version&gt;/kernel).</summary>
    private static readonly string[] Modules =
    [
        "drivers/virtio/virtio_ring.ko", "drivers/virtio/virtio.ko", "drivers/virtio/virtio_pci_modern_dev.ko",
        "drivers/virtio/virtio_pci_legacy_dev.ko", "drivers/virtio/virtio_pci.ko", "net/core/failover.ko",
        "drivers/net/net_failover.ko", "drivers/net/virtio_net.ko",
    ];

    public static string DefaultCacheRoot => Environment.GetEnvironmentVariable("VMNET_GUEST_CACHE") ?? "/var/cache/vmnet-guest";

    /// <summary>Returns the cached image for the current package versions, building it first if needed.</summary>
    public static async Task<GuestImage> GetOrBuildAsync(string? cacheRoot = null, CancellationToken cancellationToken = default)
    {
        var root = cacheRoot ?? DefaultCacheRoot;
        Directory.CreateDirectory(root);
        var kernelPackage = await ResolveKernelPackageAsync(cancellationToken).ConfigureAwait(false);
        var kernelVersion = await CandidateVersionAsync(kernelPackage, cancellationToken).ConfigureAwait(false);
        var busyboxVersion = await InstalledVersionAsync("busybox-static", cancellationToken).ConfigureAwait(false);
        var scripts = ReadResource("init.sh") + ReadResource("netinfo.sh") + ReadResource("guestctl.sh");
        var scriptHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scripts)))[..12];
        var key = Sanitize($"{kernelPackage}_{kernelVersion}_busybox_{busyboxVersion}_{scriptHash}");
        var dir = Path.Combine(root, key);
        var image = new GuestImage(Path.Combine(dir, "vmlinuz"), Path.Combine(dir, "initrd.gz"), key);
        if (File.Exists(image.InitrdPath))
        {
            return image;
        }

        // Parallel test processes may race to build: one builds, the others wait on the lock and reuse it.
        await using var lockFile = await AcquireLockAsync(Path.Combine(root, key + ".lock"), cancellationToken).ConfigureAwait(false);
        if (File.Exists(image.InitrdPath))
        {
            return image;
        }

        var work = Path.Combine(root, key + ".build");
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }

        Directory.CreateDirectory(work);
        try
        {
            await RunAsync("apt-get", ["download", kernelPackage + "=" + kernelVersion], work, cancellationToken).ConfigureAwait(false);
            var deb = Directory.GetFiles(work, "*.deb").SingleOrDefault()
                ?? throw new GuestImageException($"apt-get download {kernelPackage}={kernelVersion} produced no .deb in {work}");
            var extracted = Path.Combine(work, "x");
            await RunAsync("dpkg", ["-x", deb, extracted], work, cancellationToken).ConfigureAwait(false);
            Directory.CreateDirectory(dir);
            var vmlinuz = Directory.GetFiles(Path.Combine(extracted, "boot"), "vmlinuz-*").SingleOrDefault()
                ?? throw new GuestImageException($"{deb} has no boot/vmlinuz-*");
            File.Copy(vmlinuz, image.KernelPath, overwrite: true);
            var moduleRoot = Directory.GetDirectories(Path.Combine(extracted, "lib", "modules")).SingleOrDefault()
                ?? throw new GuestImageException($"{deb} has no single lib/modules/<version> directory");
            WriteInitramfs(Path.Combine(moduleRoot, "kernel"), image.InitrdPath + ".tmp");
            File.Move(image.InitrdPath + ".tmp", image.InitrdPath, overwrite: true);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }

        return image;
    }

    private static void WriteInitramfs(string moduleDir, string path)
    {
        const string busybox = "/bin/busybox";
        if (!File.Exists(busybox))
        {
            throw new GuestImageException("/bin/busybox is missing: apt-get install -y busybox-static");
        }

        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Optimal);
        var cpio = new NewcCpioWriter(gzip);
        foreach (var d in new[] { "bin", "sbin", "proc", "sys", "dev", "tmp", "etc", "lib", "lib/modules" })
        {
            cpio.AddDirectory(d);
        }

        cpio.AddCharDevice("dev/console", 5, 1, 0x180);
        cpio.AddFile("bin/busybox", File.ReadAllBytes(busybox), 0x1ED);
        cpio.AddFile("init", Encoding.UTF8.GetBytes(ReadResource("init.sh")), 0x1ED);
        cpio.AddFile("bin/netinfo", Encoding.UTF8.GetBytes(ReadResource("netinfo.sh")), 0x1ED);
        cpio.AddFile("bin/guestctl", Encoding.UTF8.GetBytes(ReadResource("guestctl.sh")), 0x1ED);
        foreach (var module in Modules)
        {
            var source = Path.Combine(moduleDir, module);
            if (!File.Exists(source))
            {
                throw new GuestImageException($"kernel module {module} not found under {moduleDir} (compressed modules are not supported)");
            }

            cpio.AddFile("lib/modules/" + Path.GetFileName(module), File.ReadAllBytes(source), 0x1A4);
        }

        cpio.Finish();
    }

    private static async Task<string> ResolveKernelPackageAsync(CancellationToken cancellationToken)
    {
        var output = await RunAsync("apt-cache", ["depends", KernelMetaPackage], null, cancellationToken).ConfigureAwait(false);
        return output.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("Depends: linux-image-", StringComparison.Ordinal))
            .Select(l => l["Depends: ".Length..].Trim())
            .FirstOrDefault()
            ?? throw new GuestImageException($"apt-cache depends {KernelMetaPackage} names no linux-image package (apt-get update?): {output}");
    }

    private static async Task<string> CandidateVersionAsync(string package, CancellationToken cancellationToken)
    {
        var output = await RunAsync("apt-cache", ["policy", package], null, cancellationToken).ConfigureAwait(false);
        var candidate = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("Candidate:", StringComparison.Ordinal));
        var version = candidate?["Candidate:".Length..].Trim();
        return string.IsNullOrEmpty(version) || version == "(none)"
            ? throw new GuestImageException($"package {package} has no candidate version: {output}")
            : version;
    }

    private static async Task<string> InstalledVersionAsync(string package, CancellationToken cancellationToken)
    {
        var version = (await RunAsync("dpkg-query", ["-W", "-f=${Version}", package], null, cancellationToken).ConfigureAwait(false)).Trim();
        return version.Length > 0 ? version : throw new GuestImageException($"{package} is not installed: apt-get install -y {package}");
    }

    private static async Task<FileStream> AcquireLockAsync(string path, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task<string> RunAsync(string fileName, IEnumerable<string> arguments, string? workingDirectory, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in arguments)
        {
            startInfo.ArgumentList.Add(a);
        }

        using var process = new Process { StartInfo = startInfo };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new GuestImageException($"cannot run {fileName}: {ex.Message}", ex);
        }

        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = await stdout.ConfigureAwait(false);
        var errors = await stderr.ConfigureAwait(false);
        return process.ExitCode == 0
            ? output
            : throw new GuestImageException($"'{fileName} {string.Join(' ', startInfo.ArgumentList)}' exited with {process.ExitCode}: {Tail(errors + output)}");
    }

    private static string Tail(string text) => text.Length <= 1500 ? text.Trim() : "..." + text[^1500..].Trim();

    private static string ReadResource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("VmNet.Sandbox.Guest." + name)
            ?? throw new GuestImageException($"embedded guest script {name} is missing from the Sandbox assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static string Sanitize(string key) =>
        new(key.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray());
}
