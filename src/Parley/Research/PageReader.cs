using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;

namespace Parley.Research;

/// <summary>
/// The <c>read_page</c> tool's work: fetches a web page the model named, within a time and size limit, following
/// redirects itself so that every hop goes through <see cref="PageAddresses"/>, and returns its main text.
/// </summary>
public sealed partial class PageReader(IHttpClientFactory clients, IOptions<ResearchOptions> options, ILogger<PageReader> logger)
{
    public const string HttpClientName = "Parley.Research.Pages";
    const int MaxRedirects = 5;
    static readonly string[] Readable = ["text/html", "application/xhtml+xml", "text/plain"];

    public async Task<PageText> ReadAsync(string url, CancellationToken ct)
    {
        var settings = options.Value;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(settings.PageTimeoutSeconds));
        try
        {
            return await FetchAsync(AddressOf(url), settings, timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ResearchToolException("The page took too long to answer.");
        }
        catch (HttpRequestException ex) when (ex.InnerException is BlockedAddressException blocked)
        {
            LogRefused(logger, blocked.Host);
            throw new ResearchToolException("This address cannot be read: it is a private or local address.");
        }
        catch (HttpRequestException ex)
        {
            LogFailed(logger, ex.HttpRequestError);
            throw new ResearchToolException("The page could not be reached.");
        }
    }

    async Task<PageText> FetchAsync(Uri address, ResearchOptions settings, CancellationToken ct)
    {
        var client = clients.CreateClient(HttpClientName);
        for (var hop = 0; ; hop++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, address);
            request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1");
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);

            if (IsRedirect(response.StatusCode) && response.Headers.Location is { } location)
            {
                if (hop == MaxRedirects) throw new ResearchToolException("The page redirects too many times.");
                address = AddressOf(new Uri(address, location).AbsoluteUri);
                continue;
            }
            if (!response.IsSuccessStatusCode)
                throw new ResearchToolException($"The page answered {(int)response.StatusCode} {response.ReasonPhrase}.");

            var type = response.Content.Headers.ContentType?.MediaType?.ToLowerInvariant() ?? "";
            if (!Readable.Contains(type))
                throw new ResearchToolException(type.Length == 0 ? "The page does not say what it is, so it is not read." : $"This is not a web page or text (it is {type}).");

            var text = Decode(await ReadLimitedAsync(response.Content, settings.MaxPageBytes, ct), response.Content.Headers.ContentType);
            var (title, body) = type == "text/plain" ? ("", PageExtractor.Tidy(text)) : PageExtractor.FromHtml(address, text);
            return new PageText(address.AbsoluteUri, title.Trim(), PageExtractor.Cap(body, settings.MaxPageCharacters));
        }
    }

    /// <summary>A full http or https address, or a failure the model can correct.</summary>
    static Uri AddressOf(string url)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
            throw new ResearchToolException("Only full http:// or https:// addresses can be read.");
        return address;
    }

    static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    // Reads at most the limit: a page that says nothing of its length is cut off there, not read to the end.
    static async Task<byte[]> ReadLimitedAsync(HttpContent content, int limit, CancellationToken ct)
    {
        var tooLarge = new ResearchToolException($"The page is too large to read (over {limit / 1024 / 1024.0:0.#} MB).");
        if (content.Headers.ContentLength > limit) throw tooLarge;

        await using var stream = await content.ReadAsStreamAsync(ct);
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > limit) throw tooLarge;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    static string Decode(byte[] bytes, MediaTypeHeaderValue? type)
    {
        var encoding = Encoding.UTF8;
        try
        {
            if (type?.CharSet is { Length: > 0 } charset) encoding = Encoding.GetEncoding(charset.Trim('"'));
        }
        catch (ArgumentException)
        {
            // An unknown charset: UTF-8 reads most pages well enough.
        }
        return encoding.GetString(bytes);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A page read was refused: {Host} is a private or local address (Research:AllowedPageHosts can allow it).")]
    static partial void LogRefused(ILogger logger, string host);

    [LoggerMessage(Level = LogLevel.Information, Message = "A page could not be reached ({Error}).")]
    static partial void LogFailed(ILogger logger, HttpRequestError error);
}
