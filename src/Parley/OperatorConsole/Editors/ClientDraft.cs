using Parley.ChatClients;

namespace Parley.OperatorConsole.Editors;

/// <summary>
/// A chat client as its editor's fields hold it: text, as typed. <see cref="Request"/> turns it into the admin API's
/// request, which the API's validator then judges; only what cannot even be read (a number that is none) is caught here.
/// </summary>
public sealed class ClientDraft
{
    public sealed class Suggestion
    {
        public string Label { get; set; } = "";
        public string Prompt { get; set; } = "";
    }

    public string Name { get; set; } = "";
    public string GatewayId { get; set; } = "";
    public string LanguageCode { get; set; } = "en";
    public string ContextPrompt { get; set; } = "";
    public string PageTitle { get; set; } = "";
    public string LogoImageUrl { get; set; } = "";
    public string PrimaryColor { get; set; } = "";
    public string HelloLabel { get; set; } = "";
    public string HelloSubLabel { get; set; } = "";
    public string TextAreaPlaceholder { get; set; } = "";
    public List<Suggestion> Suggestions { get; } = [];
    public string MessagesPerHour { get; set; } = "";
    public string MaxMessages { get; set; } = "";
    public string UserInputMaxTokens { get; set; } = "";
    public string RenewWhenMinutesLeft { get; set; } = Number.Show(new LimitingParameters().RenewWhenMinutesLeft);
    public string RenewByMinutes { get; set; } = Number.Show(new LimitingParameters().RenewByMinutes);
    public string RetentionDays { get; set; } = "";
    public string DailyTokensPerSession { get; set; } = "";
    public string DailyTokensPerTag { get; set; } = "";
    public string DailyTokensPerAddress { get; set; } = "";
    public string MaxMessagesReachedMessage { get; set; } = "";
    public string HourlyLimitReachedMessage { get; set; } = "";
    public string TokenBudgetSpentMessage { get; set; } = "";
    public string CustomStyles { get; set; } = "";
    public string CustomScripts { get; set; } = "";
    public string AllowedFrameOrigins { get; set; } = "";
    public bool Debug { get; set; }
    public bool MaskPersonalData { get; set; }
    public bool PrivacyMode { get; set; }
    public string ProofOfWorkBits { get; set; } = "";
    public bool AllowAttachments { get; set; }
    /// <summary>One content type per line; none: every type Parley reads.</summary>
    public string AllowedAttachmentTypes { get; set; } = "";
    public string MaxAttachmentBytes { get; set; } = Number.Show(new LimitingParameters().MaxAttachmentBytes);
    public string MaxAttachmentBytesPerMessage { get; set; } = Number.Show(new LimitingParameters().MaxAttachmentBytesPerMessage);
    public string MaxAttachmentsPerMessage { get; set; } = Number.Show(new LimitingParameters().MaxAttachmentsPerMessage);

    public static ClientDraft Of(ChatClient client)
    {
        var p = client.ClientParameters;
        var l = client.LimitingParameters;
        var draft = new ClientDraft
        {
            Name = client.Name, GatewayId = client.AiGatewayId.ToString(), LanguageCode = p.LanguageCode, ContextPrompt = p.ContextPrompt ?? "",
            PageTitle = p.PageTitle ?? "", LogoImageUrl = p.LogoImageUrl ?? "", PrimaryColor = p.PrimaryColor ?? "",
            HelloLabel = p.HelloLabel ?? "", HelloSubLabel = p.HelloSubLabel ?? "", TextAreaPlaceholder = p.TextAreaPlaceholder ?? "",
            MessagesPerHour = Number.Show(l.MessagesPerHour), MaxMessages = Number.Show(l.MaxMessages), UserInputMaxTokens = Number.Show(l.UserInputMaxTokens),
            RenewWhenMinutesLeft = Number.Show(l.RenewWhenMinutesLeft), RenewByMinutes = Number.Show(l.RenewByMinutes),
            RetentionDays = Number.Show(l.RetentionDays),
            DailyTokensPerSession = Number.Show(l.DailyTokensPerSession), DailyTokensPerTag = Number.Show(l.DailyTokensPerTag),
            DailyTokensPerAddress = Number.Show(l.DailyTokensPerAddress),
            MaxMessagesReachedMessage = l.LimitMessages.MaxMessagesReached ?? "", HourlyLimitReachedMessage = l.LimitMessages.HourlyLimitReached ?? "",
            TokenBudgetSpentMessage = l.LimitMessages.TokenBudgetSpent ?? "",
            CustomStyles = p.CustomStyles ?? "", CustomScripts = p.CustomScripts ?? "",
            AllowedFrameOrigins = string.Join('\n', p.AllowedFrameOrigins), Debug = p.Debug,
            MaskPersonalData = p.MaskPersonalData,
            PrivacyMode = p.PrivacyMode,
            ProofOfWorkBits = Number.Show(p.ProofOfWorkBits),
            AllowAttachments = p.AllowAttachments, AllowedAttachmentTypes = string.Join('\n', l.AllowedAttachmentTypes),
            MaxAttachmentBytes = Number.Show(l.MaxAttachmentBytes), MaxAttachmentBytesPerMessage = Number.Show(l.MaxAttachmentBytesPerMessage),
            MaxAttachmentsPerMessage = Number.Show(l.MaxAttachmentsPerMessage),
        };
        draft.Suggestions.AddRange(p.SuggestionButtons.Select(b => new Suggestion { Label = b.Label, Prompt = b.Prompt }));
        return draft;
    }

    public ChatClientRequest Request(FieldErrors errors, ConsoleText text)
    {
        var parameters = ClientParameters() with { ProofOfWorkBits = errors.Whole("proofOfWorkBits", ProofOfWorkBits, text) };
        var defaults = new LimitingParameters();
        var limits = new LimitingParameters
        {
            MessagesPerHour = errors.Whole("messagesPerHour", MessagesPerHour, text),
            MaxMessages = errors.Whole("maxMessages", MaxMessages, text),
            UserInputMaxTokens = errors.Whole("userInputMaxTokens", UserInputMaxTokens, text),
            RenewWhenMinutesLeft = errors.Whole("renewWhenMinutesLeft", RenewWhenMinutesLeft, text) ?? defaults.RenewWhenMinutesLeft,
            RenewByMinutes = errors.Whole("renewByMinutes", RenewByMinutes, text) ?? defaults.RenewByMinutes,
            RetentionDays = errors.Whole("retentionDays", RetentionDays, text),
            DailyTokensPerSession = errors.Whole("dailyTokensPerSession", DailyTokensPerSession, text),
            DailyTokensPerTag = errors.Whole("dailyTokensPerTag", DailyTokensPerTag, text),
            DailyTokensPerAddress = errors.Whole("dailyTokensPerAddress", DailyTokensPerAddress, text),
            AllowedAttachmentTypes = [.. AllowedAttachmentTypes.Split('\n', ',').Select(t => t.Trim()).Where(t => t.Length > 0)],
            MaxAttachmentBytes = errors.Whole("maxAttachmentBytes", MaxAttachmentBytes, text) ?? defaults.MaxAttachmentBytes,
            MaxAttachmentBytesPerMessage = errors.Whole("maxAttachmentBytesPerMessage", MaxAttachmentBytesPerMessage, text) ?? defaults.MaxAttachmentBytesPerMessage,
            MaxAttachmentsPerMessage = errors.Whole("maxAttachmentsPerMessage", MaxAttachmentsPerMessage, text) ?? defaults.MaxAttachmentsPerMessage,
            LimitMessages = new LimitMessages
            {
                MaxMessagesReached = Optional(MaxMessagesReachedMessage)?.Trim(),
                HourlyLimitReached = Optional(HourlyLimitReachedMessage)?.Trim(),
                TokenBudgetSpent = Optional(TokenBudgetSpentMessage)?.Trim(),
            },
        };
        // No gateway chosen is an id no gateway has: the API's own rule ("must name an existing AI gateway") answers.
        var gateway = Guid.TryParse(GatewayId, out var id) ? id : Guid.Empty;
        return new ChatClientRequest(Name, gateway, parameters, limits);
    }

    /// <summary>
    /// What the preview shows: the parameters as typed, but a colour only once it is one (the talk page writes it into
    /// its style element, trusting the validation that a saved colour has passed).
    /// </summary>
    public ClientParameters PreviewParameters()
    {
        var parameters = ClientParameters();
        var rule = typeof(ClientParameters).GetProperty(nameof(ChatClients.ClientParameters.PrimaryColor))!
            .GetCustomAttributes(typeof(System.ComponentModel.DataAnnotations.RegularExpressionAttribute), false)
            .Cast<System.ComponentModel.DataAnnotations.RegularExpressionAttribute>().Single();
        return rule.IsValid(parameters.PrimaryColor) ? parameters : parameters with { PrimaryColor = null };
    }

    public ClientParameters ClientParameters() => new()
    {
        LanguageCode = LanguageCode,
        ContextPrompt = Optional(ContextPrompt),
        PageTitle = Optional(PageTitle),
        LogoImageUrl = Optional(LogoImageUrl)?.Trim(),
        PrimaryColor = Optional(PrimaryColor)?.Trim(),
        HelloLabel = Optional(HelloLabel),
        HelloSubLabel = Optional(HelloSubLabel),
        TextAreaPlaceholder = Optional(TextAreaPlaceholder),
        SuggestionButtons = [.. Suggestions.Select(s => new SuggestionButton(s.Label.Trim(), s.Prompt.Trim()))],
        CustomStyles = Optional(CustomStyles),
        CustomScripts = Optional(CustomScripts),
        AllowedFrameOrigins = [.. AllowedFrameOrigins.Split('\n').Select(o => o.Trim()).Where(o => o.Length > 0)],
        Debug = Debug,
        MaskPersonalData = MaskPersonalData,
        PrivacyMode = PrivacyMode,
        AllowAttachments = AllowAttachments,
    };

    static string? Optional(string text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
