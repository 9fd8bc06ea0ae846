using System.Runtime.CompilerServices;
using VmNet.Controller.Hosting;
using VmNet.Controller.Pods;

namespace VmNet.Controller.Attachments;

/// <summary>
/// The addressing module's <see cref="AddressingContext"/> per controller instance, so other modules (Multus
/// attachments) share its per-port locks, IP CR writer and port writer instead of racing the IP reconciler
/// with a second set of locks.
/// </summary>
public static class AddressingContexts
{
    private static readonly ConditionalWeakTable<ControllerContext, AddressingContext> Published = new();

    public static void Publish(ControllerContext host, AddressingContext addressing) => Published.AddOrUpdate(host, addressing);

    public static AddressingContext For(ControllerContext host) =>
        Published.TryGetValue(host, out var addressing)
            ? addressing
            : throw new InvalidOperationException("the addressing module must register before modules that share its context");
}
