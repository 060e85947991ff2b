using System.Net;
using System.Text.Json.Nodes;
using Podnet.Api.Json;
using Podnet.Api.Models;

namespace Podnet.Api.Client;

/// <summary>An error answer of the API, carrying its Kubernetes <c>Status</c>.</summary>
public sealed class ApiException : Exception
{
    public HttpStatusCode StatusCode { get; }
    public Status Status { get; }

    public ApiException(HttpStatusCode code, Status status)
        : base(status.Message ?? $"API error {(int)code} {status.Reason}")
    {
        StatusCode = code;
        Status = status;
    }

    public string? Reason => Status.Reason;
    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;
    public bool IsConflict => StatusCode == HttpStatusCode.Conflict && Reason == "Conflict";
    public bool IsAlreadyExists => StatusCode == HttpStatusCode.Conflict && Reason == "AlreadyExists";
    public bool IsInvalid => (int)StatusCode == 422;
    public bool IsGone => StatusCode == HttpStatusCode.Gone;

    internal static ApiException FromBody(HttpStatusCode code, string body)
    {
        Status? status = null;
        try
        {
            if (JsonNode.Parse(body) is JsonObject o && o.Kind() == "Status") status = KubeJson.As<Status>(o);
        }
        catch (Exception) { /* not JSON: keep the raw text below */ }
        status ??= new Status { Outcome = "Failure", Code = (int)code, Reason = code.ToString(), Message = body.Length > 0 ? body : code.ToString() };
        return new ApiException(code, status);
    }
}
