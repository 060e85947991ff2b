using System.Text.Json.Nodes;
using Podnet.Api.Resources;
using Podnet.Api.Validation;

namespace Podnet.ControlPlane.Server;

/// <summary>An API failure carrying the HTTP code and a Kubernetes <c>Status</c> body.</summary>
public sealed class ApiError(int code, string reason, string message, JsonObject? details = null) : Exception(message)
{
    public int Code { get; } = code;
    public string Reason { get; } = reason;
    public JsonObject? Details { get; } = details;

    public JsonObject ToStatus() => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = Message,
        ["reason"] = Reason,
        ["details"] = Details?.DeepClone(),
        ["code"] = Code,
    };

    private static JsonObject Detail(ApiResource r, string? name) => new()
    {
        ["name"] = name,
        ["group"] = r.Group.Length == 0 ? null : r.Group,
        ["kind"] = r.Plural,
    };

    private static string Qualified(ApiResource r) => r.Group.Length == 0 ? r.Plural : $"{r.Plural}.{r.Group}";

    public static ApiError NotFound(ApiResource r, string name) =>
        new(404, "NotFound", $"{Qualified(r)} \"{name}\" not found", Detail(r, name));

    public static ApiError AlreadyExists(ApiResource r, string name) =>
        new(409, "AlreadyExists", $"{Qualified(r)} \"{name}\" already exists", Detail(r, name));

    public static ApiError Conflict(ApiResource r, string name) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {Qualified(r)} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", Detail(r, name));

    public static ApiError BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiError Gone(string message) => new(410, "Expired", message);

    public static ApiError Forbidden(ApiResource r, string name, string why) =>
        new(403, "Forbidden", $"{Qualified(r)} \"{name}\" is forbidden: {why}", Detail(r, name));

    public static ApiError MethodNotAllowed(string message) => new(405, "MethodNotAllowed", message);

    /// <summary>422 with Kubernetes' message: <c>Service "coffee" is invalid: spec.ports[0].port: …</c>.</summary>
    public static ApiError Invalid(ApiResource r, string? name, IReadOnlyList<FieldError> errors)
    {
        var details = Detail(r, name);
        details["kind"] = r.Kind;
        details["causes"] = new JsonArray(errors.Select(e => (JsonNode)new JsonObject
        {
            ["reason"] = e.Reason,
            ["message"] = e.Body,
            ["field"] = e.Field,
        }).ToArray());
        return new(422, "Invalid", $"{r.Kind} \"{name}\" is invalid: {FieldErrors.Aggregate(errors)}", details);
    }
}
