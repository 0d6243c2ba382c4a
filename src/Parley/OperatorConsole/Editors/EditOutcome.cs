namespace Parley.OperatorConsole.Editors;

public enum EditResult { Done, Invalid, NotFound, Conflict, Refused }

/// <summary>
/// What an editor's save did: the saved value, or the broken rules by field, or why it could not be saved (with
/// <see cref="EditResult.Refused"/>, what the outside service that had to agree said).
/// </summary>
public sealed record EditOutcome<T>(EditResult Result, T? Value = default, IReadOnlyList<FieldError>? Errors = null, string? Refusal = null);

public static class EditOutcome
{
    public static EditOutcome<T> Done<T>(T value) => new(EditResult.Done, value);
    public static EditOutcome<T> Invalid<T>(IReadOnlyList<FieldError> errors) => new(EditResult.Invalid, Errors: errors);
}
