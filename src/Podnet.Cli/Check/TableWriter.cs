using System.Text;

namespace Podnet.Cli.Check;

/// <summary>Prints a check as the upstream e2e suite does: one table per port/protocol, sources as
/// rows and destinations as columns, '.' reachable and 'X' blocked; the expected and observed
/// tables side by side, each observed cell that differs marked with '!'; then a summary line.</summary>
public static class TableWriter
{
    private const int Cell = 4;

    public static string Write(CheckResult r)
    {
        var sb = new StringBuilder();
        var pods = r.Model.Pods;
        int label = Math.Max(pods.Max(p => p.Length), "TCP/65535".Length) + 2;
        int width = label + pods.Count * Cell;
        foreach (var (port, proto) in r.Model.Cases)
        {
            var cells = r.Cells.Where(c => c.Cell.Port == port && c.Cell.Protocol == proto)
                .ToDictionary(c => (c.Cell.From, c.Cell.To));
            int differ = cells.Values.Count(c => !c.Agrees);
            sb.Append($"{proto}/{port}".PadRight(label)).Append("expected".PadRight(width - label)).Append("    ")
              .Append("".PadRight(label)).Append("observed").Append(differ > 0 ? $"  ({differ} differ)" : "").Append('\n');
            var header = "".PadRight(label) + string.Concat(pods.Select(p => p.PadRight(Cell)));
            sb.Append(header).Append("    ").Append(header.TrimEnd()).Append('\n');
            foreach (var from in pods)
            {
                var left = new StringBuilder(from.PadRight(label));
                var right = new StringBuilder(from.PadRight(label));
                foreach (var to in pods)
                {
                    var c = cells[(from, to)];
                    left.Append(Mark(c.Expected).PadRight(Cell));
                    right.Append((Mark(c.Observed) + (c.Agrees ? "" : "!")).PadRight(Cell));
                }
                sb.Append(left).Append("    ").Append(right.ToString().TrimEnd()).Append('\n');
            }
            sb.Append('\n');
        }
        sb.Append("'.' reachable, 'X' blocked, '!' observed differs from expected\n");
        sb.Append(Summary(r)).Append('\n');
        const int MaxListed = 20;
        foreach (var d in r.Differences.Take(MaxListed))
            sb.Append($"  {d.Cell}: expected {Mark(d.Expected)}, observed {Mark(d.Observed)} ({d.Reason})\n");
        if (r.Differences.Count > MaxListed) sb.Append($"  … and {r.Differences.Count - MaxListed} more (marked '!' in the tables)\n");
        return sb.ToString();
    }

    public static string Summary(CheckResult r)
    {
        int total = r.Cells.Count, blocked = r.Cells.Count(c => !c.Expected);
        var how = $"{r.Rounds} probe round{(r.Rounds == 1 ? "" : "s")} in {r.Elapsed.TotalSeconds:0.0} s";
        return r.AllAgree
            ? $"check: all {total} cells as expected ({total - blocked} reachable, {blocked} blocked), {how}"
            : $"check: FAILED: {r.Differences.Count} of {total} cells differ from the expected table, {how}";
    }

    private static string Mark(bool reachable) => reachable ? "." : "X";
}
