using System.Globalization;

namespace Parley.OperatorConsole.Editors;

/// <summary>Numbers as the editors show them in a text field: blank when unset, with a dot as the API writes them.</summary>
public static class Number
{
    public static string Show(float? value) => value?.ToString("0.###", CultureInfo.InvariantCulture) ?? "";
    public static string Show(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
}
