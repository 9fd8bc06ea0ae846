using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using VmNet.Cni;

namespace VmNet.Daemon.Cni;

/// <summary>The five POST routes of PROTOCOL.md; every failure becomes <c>{"error": {code, msg, details}}</c>.</summary>
public static class CniEndpoints
{
    public static void MapCni(this IEndpointRouteBuilder routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        routes.MapPost(DaemonProtocol.AddPath, ctx => HandleAsync(ctx, async (h, r, ct) => new DaemonResponse { Result = await h.AddAsync(r, ct).ConfigureAwait(false) }));
        routes.MapPost(DaemonProtocol.DelPath, ctx => HandleAsync(ctx, async (h, r, ct) => { await h.DelAsync(r, ct).ConfigureAwait(false); return null; }));
        routes.MapPost(DaemonProtocol.CheckPath, ctx => HandleAsync(ctx, async (h, r, ct) => { await h.CheckAsync(r, ct).ConfigureAwait(false); return null; }));
        routes.MapPost(DaemonProtocol.StatusPath, ctx => HandleAsync(ctx, async (h, _, ct) => { await h.StatusAsync(ct).ConfigureAwait(false); return null; }));
        routes.MapPost(DaemonProtocol.GcPath, ctx => HandleAsync(ctx, async (h, r, ct) => { await h.GcAsync(r, ct).ConfigureAwait(false); return null; }));
    }

    private static async Task HandleAsync(HttpContext context, Func<CniHandler, DaemonRequest, CancellationToken, Task<DaemonResponse?>> handle)
    {
        var handler = context.RequestServices.GetRequiredService<CniHandler>();
        var logger = context.RequestServices.GetRequiredService<ILogger<CniHandler>>();
        var ct = context.RequestAborted;
        DaemonResponse? response;
        HttpStatusCode status;
        try
        {
            var request = await ReadAsync(context.Request, ct).ConfigureAwait(false);
            response = await handle(handler, request, ct).ConfigureAwait(false);
            status = HttpStatusCode.OK;
        }
        catch (CniFailure failure)
        {
            logger.LogWarning("{Path} failed with code {Code}: {Message}", context.Request.Path, failure.Code, failure.Message);
            response = new DaemonResponse { Error = failure.ToError() };
            status = failure.Status;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The binary gave up or the daemon is stopping: nobody reads an answer.
            return;
        }
#pragma warning disable CA1031 // The protocol promises an error body for every failure, including bugs.
        catch (Exception e)
#pragma warning restore CA1031
        {
            logger.LogError(e, "{Path} failed unexpectedly", context.Request.Path);
            response = new DaemonResponse { Error = new DaemonError { Code = CniErrorCodes.DaemonInternalError, Msg = e.GetType().Name + ": " + e.Message } };
            status = HttpStatusCode.InternalServerError;
        }

        context.Response.StatusCode = (int)status;
        if (response is null)
        {
            context.Response.ContentLength = 0;
            return;
        }

        var body = JsonSerializer.SerializeToUtf8Bytes(response, CniJsonContext.Default.DaemonResponse);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, ct).ConfigureAwait(false);
    }

    private static async Task<DaemonRequest> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync(request.Body, CniJsonContext.Default.DaemonRequest, cancellationToken).ConfigureAwait(false)
                ?? throw CniFailure.BadRequest(CniErrorCodes.DecodingFailure, "request body is JSON null, expected a DaemonRequest object");
        }
        catch (JsonException e)
        {
            throw CniFailure.BadRequest(CniErrorCodes.DecodingFailure, "request body is not a DaemonRequest: " + e.Message);
        }
    }
}
