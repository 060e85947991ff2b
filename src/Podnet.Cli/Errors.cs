using Podnet.Api.Client;

namespace Podnet.Cli;

/// <summary>Error texts shared by the commands.</summary>
public static class Errors
{
    /// <summary>kubectl's rendering of an API Status: <c>Error from server (NotFound): pods "x" not found</c>;
    /// validation failures read <c>The Pod "x" is invalid: spec.containers[0].name: Required value</c>.</summary>
    public static string FromServer(ApiException e, string? context = null)
    {
        var msg = e.Status.Message ?? e.Message;
        if (e.IsInvalid) return context is null ? $"The {msg}" : $"error: {context}: The {msg}";
        var reason = string.IsNullOrEmpty(e.Reason) ? ((int)e.StatusCode).ToString() : e.Reason;
        return context is null ? $"Error from server ({reason}): {msg}" : $"Error from server ({reason}): {context}: {msg}";
    }

    public static string Unreachable(CliContext ctx, Exception e)
    {
        var t = ctx.Target;
        var who = t.Lab.Length > 0 ? $"lab \"{t.Lab}\" ({t.Reason})" : t.Reason;
        var hint = t.Lab.Length > 0 && t.Reason is not "--socket" and not "$PODNET_SOCKET"
            ? $"; is the lab up? (podnet lab up{(t.Lab == Connection.LabLocator.DefaultLab ? "" : " --name " + t.Lab)}, podnet lab list)"
            : "";
        var inner = e.InnerException?.Message ?? e.Message;
        return $"error: cannot reach the cluster API of {who} at {t.Socket}: {inner}{hint}";
    }
}
