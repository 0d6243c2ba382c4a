using System.ComponentModel.DataAnnotations;

namespace Parley.Api;

/// <summary>An absolute http or https URL. The framework's [Url] also takes ftp, which Parley can neither call nor show.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class HttpUrlAttribute() : ValidationAttribute("The {0} field must be an absolute http or https URL.")
{
    public override bool IsValid(object? value) =>
        value is null || value is string text && Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
