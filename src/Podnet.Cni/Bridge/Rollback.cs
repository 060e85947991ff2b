namespace Podnet.Cni.Bridge;

/// <summary>Undo steps of a half-done ADD, run newest first when the ADD fails.</summary>
sealed class Rollback
{
    readonly List<(string What, Action Undo)> _steps = [];

    public void Push(string what, Action undo) => _steps.Add((what, undo));

    public void Run(TextWriter log)
    {
        for (int i = _steps.Count - 1; i >= 0; i--)
        {
            try { _steps[i].Undo(); }
            catch (Exception e) { log.WriteLine($"podnet-cni: rollback of {_steps[i].What} failed: {e.Message}"); }
        }
        _steps.Clear();
    }
}
