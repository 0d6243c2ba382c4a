using Microsoft.AspNetCore.Http.HttpResults;
using Parley.Admin;
using Parley.Api;
using Parley.Attachments;
using Parley.Data;
using Parley.OperatorConsole;

namespace Parley.Insight;

/// <summary>
/// Usage and the conversation logs: the usage report and the logs' export for the API (admin key), and the same
/// export for the console (its cookie), which also downloads the usage report as CSV.
/// </summary>
public static class InsightEndpoints
{
    public static IServiceCollection AddInsight(this IServiceCollection services)
    {
        services.AddScoped<InsightReader>();
        return services;
    }

    public static IEndpointRouteBuilder MapInsight(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("Usage and logs").RequireAuthorization(AdminKeyAuthentication.Policy);
        api.MapGet("/usage", Usage);
        api.MapGet("/logs/export", Export).Produces<string>(StatusCodes.Status200OK, "application/jsonl", "text/csv");

        var console = app.MapGroup("/console").ExcludeFromDescription();
        console.MapGet("/logs/export", Export).RequireAuthorization(ConsoleAuthentication.OperatorPolicy);
        console.MapGet("/usage/export", UsageCsvFile).RequireAuthorization(ConsoleAuthentication.AdminPolicy);
        return app;
    }

    /// <summary>Tokens and messages of a span of time, by day, chat client, channel or tag, added up by the database.</summary>
    static async Task<Results<Ok<Envelope<UsageReport>>, ProblemHttpResult>> Usage(
        AppDb db, TimeProvider clock, CancellationToken ct, string? from = null, string? to = null, string? groupBy = null)
    {
        var (range, grouping, error) = Ask(from, to, groupBy, clock);
        if (error is not null) return Problem(error);
        return TypedResults.Ok(Envelope.Of(await UsageQueries.ReportAsync(db, range!, grouping!.Value, ct)));
    }

    static async Task<Results<FileContentHttpResult, ProblemHttpResult>> UsageCsvFile(
        AppDb db, TimeProvider clock, HttpResponse response, CancellationToken ct, string? from = null, string? to = null, string? groupBy = null)
    {
        var (range, grouping, error) = Ask(from, to, groupBy, clock);
        if (error is not null) return Problem(error);
        var report = await UsageQueries.ReportAsync(db, range!, grouping!.Value, ct);
        response.Headers.CacheControl = "no-store";
        return TypedResults.File(System.Text.Encoding.UTF8.GetBytes(UsageCsv.Write(report)), "text/csv; charset=utf-8",
            $"usage-{report.GroupBy}-{range!.From:yyyy-MM-dd}.csv");
    }

    /// <summary>
    /// The conversations the filters keep: their messages as JSON lines (<c>format=jsonl</c>) or their session rows as
    /// CSV (<c>format=csv</c>), streamed.
    /// </summary>
    static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> Export(
        AppDb db, IServiceScopeFactory scopes, HttpContext http, TimeProvider clock, CancellationToken ct, string format = "jsonl", Guid? clientId = null, string? channel = null,
        string? from = null, string? to = null, bool hasError = false, bool incomplete = false, bool negativeFeedback = false, string? search = null)
    {
        if (format is not ("jsonl" or "csv")) return Problem(new RequestError("format", "The format parameter must be \"jsonl\" or \"csv\"."));
        var (filter, error) = LogFilter.Parse(clientId, channel, from, to, hasError, incomplete, negativeFeedback, search);
        if (error is not null) return Problem(error);
        var sessions = await filter!.SessionsAsync(db, ct);
        // Conversations: no browser or proxy keeps a copy.
        http.Response.Headers.CacheControl = "no-store";
        var stamp = clock.GetUtcNow().ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        return format == "jsonl"
            ? TypedResults.Stream(async body =>
            {
                // Files are read while the messages stream from the request's context: on a context of their own.
                await using var filesScope = scopes.CreateAsyncScope();
                var files = filesScope.ServiceProvider.GetRequiredService<ConversationFiles>();
                await LogExport.WriteJsonLinesAsync(db, files, AttachmentUrlFor(http), sessions, body, http.RequestAborted);
            }, "application/jsonl; charset=utf-8", $"messages-{stamp}.jsonl")
            : TypedResults.Stream(body => LogExport.WriteCsvAsync(db, sessions, body, http.RequestAborted), "text/csv; charset=utf-8", $"sessions-{stamp}.csv");
    }

    /// <summary>Files in an export are served where it was asked for: the console's route to operators, the API's to the admin key.</summary>
    static Func<Guid, Attachment, string> AttachmentUrlFor(HttpContext http) => http.Request.Path.StartsWithSegments("/console")
        ? (_, a) => AttachmentUrls.ForConsole(a.SessionId, a.Id)
        : (clientId, a) => AttachmentUrls.ForAdmin(clientId, a.SessionId, a.Id);

    static (UsageRange? Range, UsageGrouping? Grouping, RequestError? Error) Ask(string? from, string? to, string? groupBy, TimeProvider clock)
    {
        if (UsageQueries.ParseGrouping(groupBy) is not { } grouping)
            return (null, null, new RequestError("groupBy", "The groupBy parameter must be one of day, client, channel, tag."));
        var (range, error) = UsageRange.Parse(from, to, clock.GetUtcNow().UtcDateTime);
        return (range, grouping, error);
    }

    static ProblemHttpResult Problem(RequestError error) => ApiProblem.Invalid(error.Field, error.Rule);
}
