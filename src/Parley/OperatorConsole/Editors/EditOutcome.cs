namespace Parley.OperatorConsole.Editors;

public enum EditResult { Done, Invalid, NotFound, Conflict }

/// <summary>What an editor's save did: the saved value, or the broken rules by field, or why it could not be saved.</summary>
public sealed record EditOutcome<T>(EditResult Result, T? Value = default, IReadOnlyList<FieldError>? Errors = null);

public static class EditOutcome
{
    public static EditOutcome<T> Done<T>(T value) => new(EditResult.Done, value);
    public static EditOutcome<T> Invalid<T>(IReadOnlyList<FieldError> errors) => new(EditResult.Invalid, Errors: errors);
}
