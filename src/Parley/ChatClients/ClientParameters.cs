using System.ComponentModel.DataAnnotations;
using Parley.Api;

namespace Parley.ChatClients;

/// <summary>How a chat client's pages look and behave. The same record is stored and sent over the API.</summary>
public sealed record ClientParameters : IValidatableObject
{
    [RegularExpression("^(en|pt-BR)$", ErrorMessage = "The languageCode field must be \"en\" or \"pt-BR\".")]
    public string LanguageCode { get; init; } = "en";

    [StringLength(200_000)] public string? CustomScripts { get; init; }
    [StringLength(200_000)] public string? CustomStyles { get; init; }

    [RegularExpression("^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$", ErrorMessage = "The primaryColor field must be a hex colour such as #1f6feb.")]
    public string? PrimaryColor { get; init; }

    [StringLength(200)] public string? PageTitle { get; init; }
    [StringLength(500)] public string? HelloLabel { get; init; }
    [StringLength(1000)] public string? HelloSubLabel { get; init; }
    [StringLength(200)] public string? TextAreaPlaceholder { get; init; }
    [HttpUrl, StringLength(2000)] public string? LogoImageUrl { get; init; }
    public bool Debug { get; init; }

    /// <summary>
    /// Phone numbers, e-mail addresses and card-like numbers are masked wherever operators read conversations (the
    /// console, the logs, exports and transcripts for operators); the model and the end user see them as written.
    /// </summary>
    public bool MaskPersonalData { get; init; }

    /// <summary>
    /// What is said is never written to the database, logs or exports: the text of the conversation lives in memory
    /// (or Redis, with instances sharing state) until the session expires, and only counts and usage are stored.
    /// </summary>
    public bool PrivacyMode { get; init; }

    /// <summary>Users may send files with their messages, within the limits of <see cref="LimitingParameters"/>.</summary>
    public bool AllowAttachments { get; init; }

    /// <summary>
    /// A web session's first message needs a proof of work of this many leading zero bits (16 is about a second of a
    /// phone's work), against scripts that open public embeds by the thousand; null asks for none.
    /// </summary>
    [Range(8, 24)] public int? ProofOfWorkBits { get; init; }

    [MaxLength(50)] public IReadOnlyList<string> AllowedFrameOrigins { get; init; } = [];
    [MaxLength(20)] public IReadOnlyList<SuggestionButton> SuggestionButtons { get; init; } = [];

    /// <summary>Instructions added to the gateway's system instruction for every session of this client.</summary>
    [StringLength(50_000)] public string? ContextPrompt { get; init; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var origin in AllowedFrameOrigins)
        {
            if (!IsOrigin(origin))
            {
                yield return new ValidationResult(
                    $"The allowedFrameOrigins field must hold origins such as https://example.com; \"{origin}\" is not one.",
                    [nameof(AllowedFrameOrigins)]);
            }
        }
    }

    static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && uri.Scheme is "https" or "http"
        && uri.PathAndQuery == "/" && !value.EndsWith('/') && string.IsNullOrEmpty(uri.Fragment);
}

public sealed record SuggestionButton(
    [property: Required(ErrorMessage = "The label field is required."), StringLength(100)] string Label,
    [property: Required(ErrorMessage = "The prompt field is required."), StringLength(4000)] string Prompt);
