using System.Text;

namespace Podnet.Cli.Output;

/// <summary>Column layout of kubectl's printers (a tab writer with minimum cell width 6 and
/// padding 3): every column but the last is padded to its widest cell plus three spaces.</summary>
public static class TextTable
{
    private const int MinWidth = 6;
    private const int Padding = 3;

    public static string Render(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { headers };
        all.AddRange(rows);
        int cols = headers.Count;
        var widths = new int[cols];
        foreach (var r in all)
            for (int c = 0; c < cols - 1; c++)
                widths[c] = Math.Max(widths[c], Math.Max(MinWidth, Cell(r, c).Length + Padding));
        var sb = new StringBuilder();
        foreach (var r in all)
        {
            for (int c = 0; c < cols; c++)
            {
                var cell = Cell(r, c);
                sb.Append(c < cols - 1 ? cell.PadRight(widths[c]) : cell);
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static string Cell(IReadOnlyList<string> row, int c) => c < row.Count ? row[c] : "";
}
