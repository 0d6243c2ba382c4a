using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Validation;

namespace Parley.Api;

/// <summary>
/// Runs the same generated validation that minimal API parameters get, for bodies built on the server
/// (a JSON merge patch applied to the stored value).
/// </summary>
public sealed class RequestValidator(IOptions<ValidationOptions> options, IServiceProvider services)
{
    // The per-type validation API is marked experimental in .NET 10; it is the same code minimal APIs run, which
    // beats a second, hand-written validator that could drift from it.
#pragma warning disable ASP0029
    public async Task<IDictionary<string, string[]>?> ValidateAsync<T>(T value, CancellationToken ct) where T : notnull
    {
        if (!options.Value.TryGetValidatableTypeInfo(typeof(T), out var info)) return null;

        var context = new ValidateContext
        {
            ValidationOptions = options.Value,
            ValidationContext = new ValidationContext(value, services, null),
        };
        await info.ValidateAsync(value, context, ct);
        return context.ValidationErrors is { Count: > 0 } errors ? errors : null;
    }
#pragma warning restore ASP0029
}
