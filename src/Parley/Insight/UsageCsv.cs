using System.Globalization;
using System.Text;

namespace Parley.Insight;

/// <summary>A usage report as CSV: one line per group, then the totals.</summary>
public static class UsageCsv
{
    public static string Write(UsageReport report)
    {
        var csv = new StringBuilder().Append(report.GroupBy).AppendLine(",label,messages,inputTokens,outputTokens");
        foreach (var g in report.Groups)
            csv.AppendLine(string.Join(',', LogExport.Cell(g.Key), LogExport.Cell(g.Label), Number(g.Messages), Number(g.InputTokens), Number(g.OutputTokens)));
        csv.AppendLine(string.Join(',', "total", "", Number(report.Totals.Messages), Number(report.Totals.InputTokens), Number(report.Totals.OutputTokens)));
        return csv.ToString();
    }

    static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
