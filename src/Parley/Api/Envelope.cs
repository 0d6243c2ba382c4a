namespace Parley.Api;

/// <summary>The response shape of the admin and session APIs, kept from the AIVAX chat-client API.</summary>
public sealed record Envelope<T>(string? Message, T Data);

public static class Envelope
{
    public static Envelope<T> Of<T>(T data, string? message = null) => new(message, data);
}

public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);
