using System.Globalization;
using Markdig.Extensions.Tables;
using Markdig.Syntax;

namespace Parley.Integrations.Formatting;

// Neither channel has tables, so a table becomes monospace text with its columns lined up:
//   Name  | Qty
//   ------+----
//   Apple |   3
internal static class TableLayout
{
    public static string Render(Table table)
    {
        var rows = table.OfType<TableRow>()
            .Select(row => (row.IsHeader, Cells: row.OfType<TableCell>().Select(CellText).ToList()))
            .ToList();
        var columnCount = rows.Max(row => row.Cells.Count);
        var widths = Enumerable.Range(0, columnCount)
            .Select(column => rows.Max(row => column < row.Cells.Count ? Width(row.Cells[column]) : 0))
            .ToList();

        var lines = new List<string>();
        for (var i = 0; i < rows.Count; i++)
        {
            lines.Add(string.Join(" | ", widths.Select((width, column) =>
                Pad(column < rows[i].Cells.Count ? rows[i].Cells[column] : "", width, Alignment(table, column)))).TrimEnd());
            var lastHeaderRow = rows[i].IsHeader && (i + 1 == rows.Count || !rows[i + 1].IsHeader);
            if (lastHeaderRow) lines.Add(string.Join("-+-", widths.Select(width => new string('-', width))));
        }
        return string.Join('\n', lines);
    }

    static string CellText(TableCell cell) =>
        string.Join(' ', cell.OfType<LeafBlock>().Select(block => InlineText.Of(block.Inline))).Trim();

    static TableColumnAlign? Alignment(Table table, int column) =>
        column < table.ColumnDefinitions.Count ? table.ColumnDefinitions[column].Alignment : null;

    // Accented letters written as a base letter plus a combining mark take one column, not two.
    static int Width(string text) => new StringInfo(text).LengthInTextElements;

    static string Pad(string text, int width, TableColumnAlign? alignment)
    {
        var padding = width - Width(text);
        return alignment switch
        {
            TableColumnAlign.Right => new string(' ', padding) + text,
            TableColumnAlign.Center => new string(' ', padding / 2) + text + new string(' ', padding - padding / 2),
            _ => text + new string(' ', padding),
        };
    }
}
