using System.Text;
using Microsoft.AspNetCore.Http;

namespace VmNet.Kube.Tests.Support;

/// <summary>Small helpers for stub handlers.</summary>
public static class Respond
{
    public static async Task Json(HttpContext context, string json, int status = 200)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json, Encoding.UTF8, context.RequestAborted);
    }

    /// <summary>A Kubernetes Status body as the API server sends with an error code.</summary>
    public static Task Status(HttpContext context, int code, string reason, string message) =>
        Json(context, $$"""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"{{message}}","reason":"{{reason}}","code":{{code}}}""", code);

    public static string Pod(string ns, string name, string resourceVersion = "1") =>
        $$$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}","resourceVersion":"{{{resourceVersion}}}","uid":"uid-{{{name}}}"},"spec":{"nodeName":"node1","containers":[{"name":"c","image":"busybox"}]},"status":{"phase":"Running","podIP":"10.16.0.5"}}""";
}
