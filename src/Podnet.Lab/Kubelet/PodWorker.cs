using System.Net;
using System.Text.Json.Nodes;
using Podnet.Api.Client;
using Podnet.Api.Json;
using Podnet.Api.Models;
using Podnet.Api.Resources;
using Podnet.Lab.Pods;
using Podnet.Lab.Processes;

namespace Podnet.Lab.Kubelet;

/// <summary>
/// Runs one pod on this node, like the kubelet's pod worker plus the container runtime: creates the
/// sandbox, starts and restarts the containers, runs readiness probes, reports status, and on
/// termination stops everything, removes the sandbox and finalizes the API object.
/// </summary>
internal sealed class PodWorker
{
    private readonly KubeletContext _ctx;
    private readonly Pod _pod;
    private readonly JsonObject _raw;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _statusDirty = new(0, 1);
    private readonly List<ContainerState> _containers;
    private readonly Lock _lock = new();
    private Task? _run;
    private IPAddress? _ip;
    private string? _netns;
    private string? _failure;
    private bool _reportedReady;
    private readonly DateTimeOffset _startTime = DateTimeOffset.UtcNow;

    public PodWorker(KubeletContext ctx, JsonObject raw)
    {
        _ctx = ctx;
        _raw = raw;
        _pod = KubeJson.As<Pod>(raw);
        _containers = _pod.Spec.Containers.Select(c => new ContainerState(c.Name)).ToList();
    }

    public string Uid => _pod.Metadata.Uid!;
    public string Namespace => _pod.Metadata.Namespace ?? "default";
    public string Name => _pod.Metadata.Name!;
    private string Key => $"{Namespace}/{Name}";
    private bool HostNetwork => _pod.Spec.HostNetwork == true;
    private string ContainerId => new string(Uid.Where(Uri.IsHexDigit).ToArray()).ToLowerInvariant();
    private string Dir => _ctx.Names.PodDir(Namespace, Name);

    public void Start() => _run = Task.Run(RunAsync);

    private async Task RunAsync()
    {
        var ct = _stop.Token;
        var writer = Task.Run(() => StatusWriterAsync(ct));
        try
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            await CreateSandboxAsync(ct);
            _ctx.Log($"pod {Key}: sandbox {_netns} with {_ip} in {sw.ElapsedMilliseconds} ms");
            var loops = _pod.Spec.Containers.Select((c, i) => Task.Run(() => ContainerLoopAsync(c, _containers[i], ct))).ToList();
            await Task.WhenAll(loops);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (Exception e)
        {
            _failure = e.Message;
            _ctx.Log($"pod {Key}: {e.Message}");
            foreach (var c in _containers) { c.WaitingReason ??= "CreateContainerError"; c.WaitingMessage = e.Message; }
            SignalStatus();
        }
        try { await writer; } catch (OperationCanceledException) { }
    }

    private async Task CreateSandboxAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(Dir);
        if (HostNetwork)
        {
            _netns = _ctx.Names.NodeNetns(_ctx.Node);
            _ip = _ctx.NodeIp;
        }
        else
        {
            _netns = _ctx.Names.PodNetns(Uid);
            var resolv = PodDns.ResolvConf(_pod.Spec.DnsPolicy, Namespace, _raw["spec"]?["dnsConfig"] as JsonObject);
            var att = await PodSandbox.CreateAsync(_netns, _ctx.Cni, ContainerId, CniArgs, resolv, _pod.Spec.Hostname ?? Name, ct);
            _ip = att.Ip;
        }
        new SandboxState
        {
            Namespace = Namespace, Pod = Name, Uid = Uid, Node = _ctx.Node, Netns = _netns, HostNetwork = HostNetwork,
            Ip = _ip.ToString(), Containers = _pod.Spec.Containers.Select(c => c.Name).ToList(),
        }.Write(Dir);
    }

    private string CniArgs => PodSandbox.CniArgs(Namespace, Name, Uid, ContainerId);

    private async Task ContainerLoopAsync(Container spec, ContainerState st, CancellationToken ct)
    {
        IReadOnlyList<string> argv;
        var env = Environment(spec);
        try { argv = ContainerCommand.Resolve(spec, _ctx.BinDir, env, _ctx.PodnetCommand); }
        catch (ArgumentException e)
        {
            lock (_lock) { st.WaitingReason = "CreateContainerConfigError"; st.WaitingMessage = e.Message; }
            SignalStatus();
            return;
        }
        string log = Path.Combine(Dir, spec.Name + ".log");
        var backoff = TimeSpan.FromMilliseconds(100);
        string policy = _pod.Spec.RestartPolicy ?? "Always";
        while (!ct.IsCancellationRequested)
        {
            ContainerProcess proc;
            try { proc = ContainerProcess.Start(argv, HostNetwork ? null : _netns, log, env, spec.WorkingDir, _ctx.BinDir); }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                lock (_lock) { st.WaitingReason = "RunContainerError"; st.WaitingMessage = e.Message; }
                SignalStatus();
                return;
            }
            lock (_lock) { st.Process = proc; st.WaitingReason = null; st.WaitingMessage = null; st.Ready = false; }
            // No status write here: the readiness loop writes Running (and Ready) in one go.
            using var probeStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var probing = Task.Run(() => ReadinessLoopAsync(spec, st, probeStop.Token));
            try { await proc.WaitForExitAsync(ct); }
            catch (OperationCanceledException) { probeStop.Cancel(); return; }
            probeStop.Cancel();
            try { await probing; } catch (OperationCanceledException) { }
            bool restart = policy == "Always" || (policy == "OnFailure" && proc.ExitCode != 0);
            lock (_lock)
            {
                st.LastExitCode = proc.ExitCode;
                st.FinishedAt = DateTimeOffset.UtcNow;
                st.Ready = false;
                st.Done = !restart;
                if (restart) st.WaitingReason = "CrashLoopBackOff";
            }
            _ctx.Log($"pod {Key}: container {spec.Name} exited with {proc.ExitCode}{(restart ? $", restarting in {backoff.TotalMilliseconds:0} ms" : "")}");
            SignalStatus();
            if (!restart) return;
            if (DateTimeOffset.UtcNow - proc.StartedAt > TimeSpan.FromSeconds(10)) backoff = TimeSpan.FromMilliseconds(100);
            try { await Task.Delay(backoff, ct); } catch (OperationCanceledException) { return; }
            backoff = TimeSpan.FromMilliseconds(Math.Min(backoff.TotalMilliseconds * 2, 5000));
            lock (_lock) st.RestartCount++;
            proc.Dispose();
        }
    }

    /// <summary>Without a probe a running container is ready. With one: first probe after
    /// initialDelaySeconds, then quickly until it first succeeds (so pods become Ready
    /// promptly), then every periodSeconds with successThreshold/failureThreshold.</summary>
    private async Task ReadinessLoopAsync(Container spec, ContainerState st, CancellationToken ct)
    {
        if (spec.ReadinessProbe is not { } probe)
        {
            // Without a probe a running container is ready.
            lock (_lock) st.Ready = true;
            SignalStatus();
            return;
        }
        if (probe.InitialDelaySeconds is int d and > 0)
        {
            SignalStatus(); // Running, not Ready, for the whole initial delay
            await Task.Delay(TimeSpan.FromSeconds(d), ct);
        }
        int period = Math.Max(1, probe.PeriodSeconds ?? 10), successes = 0, failures = 0;
        int successThreshold = Math.Max(1, probe.SuccessThreshold ?? 1), failureThreshold = Math.Max(1, probe.FailureThreshold ?? 3);
        bool everReady = false, reportedRunning = false;
        while (!ct.IsCancellationRequested)
        {
            bool ok = await _ctx.Probes.RunAsync(probe, spec, _ip!, HostNetwork ? null : _netns, ct);
            // Report Running-but-not-Ready only if the first probes keep failing (saves a write
            // on the way to Ready, which usually takes one or two 10 ms rounds).
            bool changed = !ok && !reportedRunning && DateTimeOffset.UtcNow - st.Process!.StartedAt > TimeSpan.FromMilliseconds(200);
            reportedRunning |= changed;
            lock (_lock)
            {
                if (ok) { failures = 0; if (++successes >= successThreshold && !st.Ready) { st.Ready = true; changed = true; everReady = true; } }
                else { successes = 0; if (++failures >= failureThreshold && st.Ready) { st.Ready = false; changed = true; } }
            }
            if (changed) SignalStatus();
            // Until first ready: every 10 ms for the first second (a server binds within
            // milliseconds of starting), then every 100 ms; afterwards every periodSeconds.
            var wait = everReady ? TimeSpan.FromSeconds(period)
                : DateTimeOffset.UtcNow - st.Process!.StartedAt < TimeSpan.FromSeconds(1) ? TimeSpan.FromMilliseconds(10) : TimeSpan.FromMilliseconds(100);
            await Task.Delay(wait, ct);
        }
    }

    private Dictionary<string, string> Environment(Container spec)
    {
        var env = new Dictionary<string, string>
        {
            ["HOSTNAME"] = HostNetwork ? _ctx.NodeName : (_pod.Spec.Hostname ?? Name),
            ["KUBERNETES_SERVICE_HOST"] = "10.96.0.1",
            ["KUBERNETES_SERVICE_PORT"] = "443",
            // The lab's in-cluster config: the API is a unix socket on the shared filesystem,
            // reachable from any network namespace (cluster DNS pods pass it as $(PODNET_API_SOCKET)).
            ["PODNET_API_SOCKET"] = _ctx.Names.ApiSocket,
        };
        var rawContainers = _raw["spec"]?["containers"] as JsonArray;
        var raw = rawContainers?.OfType<JsonObject>().FirstOrDefault(c => c.Str("name") == spec.Name);
        foreach (var e in raw?["env"] as JsonArray ?? [])
        {
            if (e is not JsonObject o || o.Str("name") is not { Length: > 0 } n) continue;
            if (o.Str("value") is { } v) env[n] = v;
            else if (o["valueFrom"]?["fieldRef"]?.Str("fieldPath") is { } path)
                env[n] = path switch
                {
                    "metadata.name" => Name,
                    "metadata.namespace" => Namespace,
                    "metadata.uid" => Uid,
                    "spec.nodeName" => _ctx.NodeName,
                    "status.podIP" => _ip?.ToString() ?? "",
                    "status.hostIP" => _ctx.NodeIp.ToString(),
                    _ => "",
                };
        }
        return env;
    }

    // ---- status ----

    private void SignalStatus()
    {
        try { _statusDirty.Release(); } catch (SemaphoreFullException) { }
    }

    private async Task StatusWriterAsync(CancellationToken ct)
    {
        JsonObject? last = null;
        while (!ct.IsCancellationRequested)
        {
            await _statusDirty.WaitAsync(ct);
            var status = BuildStatus();
            if (last is not null && JsonNode.DeepEquals(last, status)) continue;
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    var sent = (JsonObject)status.DeepClone();
                    // Transition times would make every write differ: stamped on the copy sent only.
                    var now = ContainerState.Time(DateTimeOffset.UtcNow);
                    foreach (var c in (JsonArray)sent["conditions"]!) c!["lastTransitionTime"] = now;
                    await _ctx.Api.PatchAsync(ApiResources.Pods, Namespace, Name, new JsonObject { ["status"] = sent }, "status", ct);
                    if (!_reportedReady && status.AtPath("conditions") is not null && ((JsonArray)status["conditions"]!).Any(c => c.Str("type") == "Ready" && c.Str("status") == "True"))
                    {
                        _reportedReady = true;
                        _ctx.Log($"pod {Key}: Ready after {(DateTimeOffset.UtcNow - _startTime).TotalMilliseconds:0} ms on this node");
                    }
                    last = status;
                    break;
                }
                catch (ApiException e) when (e.IsNotFound) { return; }
                catch (Exception e) when (e is HttpRequestException or TimeoutException or ApiException && attempt < 20)
                {
                    await Task.Delay(100 * (attempt + 1), ct);
                }
            }
        }
    }

    private JsonObject BuildStatus()
    {
        lock (_lock)
        {
            bool allStarted = _containers.All(c => c.Process is not null);
            bool anyRunning = _containers.Any(c => c.Running);
            bool allDone = _containers.All(c => c.Done);
            bool ready = _ip is not null && _containers.All(c => c.Running && c.Ready);
            string phase = allDone
                ? (_containers.All(c => c.LastExitCode == 0) ? "Succeeded" : "Failed")
                : allStarted && (anyRunning || _containers.Any(c => c.RestartCount > 0 || c.WaitingReason == "CrashLoopBackOff")) ? "Running" : "Pending";
            JsonObject Cond(string type, bool ok, string? reason = null) =>
                new() { ["type"] = type, ["status"] = ok ? "True" : "False", ["reason"] = ok ? null : reason, ["lastTransitionTime"] = null };
            var status = new JsonObject
            {
                ["phase"] = phase,
                ["hostIP"] = _ctx.NodeIp.ToString(),
                ["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = _ctx.NodeIp.ToString() }),
                ["startTime"] = ContainerState.Time(_startTime),
                ["conditions"] = new JsonArray(
                    Cond("PodReadyToStartContainers", _ip is not null, "SandboxNotReady"),
                    Cond("Initialized", true),
                    Cond("ContainersReady", ready, "ContainersNotReady"),
                    Cond("Ready", ready, "ContainersNotReady"),
                    Cond("PodScheduled", true)),
                ["containerStatuses"] = new JsonArray(_containers.Select(c => (JsonNode)c.ToStatus()).ToArray()),
            };
            if (_ip is not null)
            {
                status["podIP"] = _ip.ToString();
                status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = _ip.ToString() });
            }
            if (_failure is not null) status["message"] = _failure;
            return status;
        }
    }

    // ---- termination ----

    /// <summary>Stops the containers (SIGTERM, then SIGKILL after the grace period, at most 5 s in
    /// the lab), removes the sandbox and the pod's files.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        _stop.Cancel();
        if (_run is not null) { try { await _run; } catch (Exception) { } }
        var procs = _containers.Select(c => c.Process).OfType<ContainerProcess>().ToList();
        await Task.WhenAll(procs.Select(p => p.StopAsync(grace)));
        foreach (var p in procs) p.Dispose();
        if (!HostNetwork && _netns is not null)
        {
            NetnsProcesses.KillAll([_netns], TimeSpan.FromSeconds(2));
            try { await PodSandbox.DestroyAsync(_netns, _ctx.Cni, ContainerId, CniArgs, CancellationToken.None); }
            catch (Exception e) { _ctx.Log($"pod {Key}: {e.Message}"); }
        }
        try { if (Directory.Exists(Dir)) Directory.Delete(Dir, recursive: true); }
        catch (IOException e) { _ctx.Log($"pod {Key}: could not remove {Dir}: {e.Message}"); }
    }
}
