using System.Text.Json.Nodes;

namespace Podnet.Lab.Kubelet;

/// <summary>The kubelet's view of one container, turned into a Kubernetes containerStatus.</summary>
internal sealed class ContainerState(string name)
{
    public string Name { get; } = name;
    public ContainerProcess? Process;
    public int RestartCount;
    public bool Ready;
    public int? LastExitCode;
    public DateTimeOffset? FinishedAt;
    public string? WaitingReason;
    public string? WaitingMessage;
    /// <summary>Exited and will not be restarted.</summary>
    public bool Done;

    public bool Running => Process is { HasExited: false };

    public JsonObject ToStatus()
    {
        JsonObject state;
        if (Running) state = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = Time(Process!.StartedAt) } };
        else if (LastExitCode is int code && (Done || WaitingReason is null))
            state = new JsonObject
            {
                ["terminated"] = new JsonObject
                {
                    ["exitCode"] = code, ["reason"] = code == 0 ? "Completed" : "Error",
                    ["finishedAt"] = FinishedAt is { } f ? Time(f) : null,
                },
            };
        else state = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = WaitingReason ?? "ContainerCreating", ["message"] = WaitingMessage } };
        return new JsonObject
        {
            ["name"] = Name,
            ["ready"] = Ready && Running,
            ["restartCount"] = RestartCount,
            ["started"] = Running,
            ["image"] = "podnet-lab/process",
            ["state"] = state,
        };
    }

    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");
}
