namespace Podnet.Cli.Check;

/// <summary>One cell of the truth table: a connection from one model pod to another on a port.</summary>
public sealed record Cell(string From, string To, int Port, string Protocol)
{
    public override string ToString() => $"{From} → {To} {Protocol}/{Port}";
}

/// <summary>A cell's expected reachability (with the evaluator's reason) and what the probes saw.</summary>
public sealed record CellResult(Cell Cell, bool Expected, bool Observed, string Reason)
{
    public bool Agrees => Expected == Observed;
}

/// <summary>The outcome of one check: every cell, how many probe rounds it took and how long.</summary>
public sealed record CheckResult(ConformanceModel Model, IReadOnlyList<CellResult> Cells, int Rounds, TimeSpan Elapsed)
{
    public IReadOnlyList<CellResult> Differences => Cells.Where(c => !c.Agrees).ToList();
    public bool AllAgree => Cells.All(c => c.Agrees);

    public CellResult this[string from, string to, int port, string protocol] =>
        Cells.Single(c => c.Cell.From == from && c.Cell.To == to && c.Cell.Port == port && c.Cell.Protocol == protocol);
}
