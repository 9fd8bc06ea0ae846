using System.Net.Sockets;
using VmNet.Daemon.Cni;
using VmNet.Daemon.Netlink;
using VmNet.Cni;

namespace VmNet.Daemon.Pods;

/// <summary>
/// Creates and removes the veth of one pod interface with netlink: the pod end is created directly in
/// the pod's netns under its final name, so a crash never leaves a half-moved interface on the host.
/// </summary>
public sealed partial class PodInterfaceConfigurator(HostNetwork host)
{
    public async Task CreateAsync(PodInterfaceSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var podNs = OpenNetns(spec.NetnsPath);

        // A previous ADD of the same container may have died half way: its host end (and with it the
        // pod end) goes first, so the retry starts clean.
        await host.Links.DeleteLinkIfExistsAsync(spec.HostName, cancellationToken).ConfigureAwait(false);
        using var pod = await RouteNetlinkClient.OpenInAsync(podNs, cancellationToken).ConfigureAwait(false);
        try
        {
            await host.Links.CreateVethAsync(
                new VethPairSpec(spec.HostName, spec.IfName) { PeerNamespace = podNs, Mtu = spec.Mtu, PeerMacAddress = spec.Mac },
                cancellationToken).ConfigureAwait(false);

            // Userspace datapath: OVS never fills in checksums the kernel left to offload, so both ends send complete packets.
            host.Ethtool.SetTxChecksum(spec.HostName, enabled: false);
            using (var podEthtool = await EthtoolSocket.OpenInAsync(podNs, cancellationToken).ConfigureAwait(false))
            {
                podEthtool.SetTxChecksum(spec.IfName, enabled: false);
            }

            await ConfigurePodSideAsync(pod, spec, cancellationToken).ConfigureAwait(false);
            await host.Links.SetUpAsync(spec.HostName, cancellationToken).ConfigureAwait(false);
        }
        catch (KernelNetworkException e)
        {
            await host.Links.DeleteLinkIfExistsAsync(spec.HostName, CancellationToken.None).ConfigureAwait(false);
            throw CniFailure.SetupFailed($"configuring {spec.IfName} in {spec.NetnsPath} (host end {spec.HostName}) failed: {e.Message}", e);
        }
    }

    /// <summary>Up, addresses, routes: the pod end inside the netns, once it is there under its final name.</summary>
    private static async Task ConfigurePodSideAsync(RouteNetlinkClient pod, PodInterfaceSpec spec, CancellationToken cancellationToken)
    {
        await pod.SetUpAsync("lo", cancellationToken).ConfigureAwait(false);
        await pod.SetUpAsync(spec.IfName, cancellationToken).ConfigureAwait(false);
        foreach (var address in spec.Addresses)
        {
            await pod.AddAddressAsync(spec.IfName, address, new AddressOptions(NoDad: spec.NoDad), cancellationToken).ConfigureAwait(false);
        }

        foreach (var route in spec.Routes)
        {
            await pod.ReplaceRouteAsync(route, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the host end (the kernel removes the pod end with it). False when there was none.</summary>
    public Task<bool> DeleteAsync(string hostName, CancellationToken cancellationToken) =>
        host.Links.DeleteLinkIfExistsAsync(hostName, cancellationToken);

    /// <summary>What CHECK verifies: the host end exists and the pod end has the expected addresses. Returns the problem, or null.</summary>
    public async Task<string?> VerifyAsync(PodInterfaceSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (await host.Links.TryGetLinkAsync(spec.HostName, cancellationToken).ConfigureAwait(false) is null)
        {
            return $"host veth {spec.HostName} does not exist";
        }

        using var podNs = OpenNetns(spec.NetnsPath);
        using var pod = await RouteNetlinkClient.OpenInAsync(podNs, cancellationToken).ConfigureAwait(false);
        var link = await pod.TryGetLinkAsync(spec.IfName, cancellationToken).ConfigureAwait(false);
        if (link is null)
        {
            return $"interface {spec.IfName} does not exist in {spec.NetnsPath}";
        }

        if (!link.IsUp)
        {
            return $"interface {spec.IfName} in {spec.NetnsPath} is down";
        }

        var present = (await pod.ListAddressesAsync(spec.IfName, AddressFamily.Unspecified, cancellationToken).ConfigureAwait(false))
            .Select(a => a.Address).ToHashSet();
        var absent = spec.Addresses.Where(a => !present.Contains(a)).ToList();
        return absent.Count == 0 ? null : $"interface {spec.IfName} in {spec.NetnsPath} lacks {string.Join(", ", absent)}";
    }

    public static NetworkNamespace OpenNetns(string path)
    {
        try
        {
            return NetworkNamespace.Open(path);
        }
        catch (NetworkNamespaceException e)
        {
            throw CniFailure.BadRequest(CniErrorCodes.InvalidEnvironmentVariables, $"CNI_NETNS {path} cannot be opened: {e.ErrnoName}");
        }
    }
}
