namespace Parley.OperatorConsole.Chats;

/// <summary>
/// The sessions list as the page shows it: the rows loaded so far for the current search, newest first. A row that
/// changed (a reply ended, a session was read) is put back in its place with <see cref="Put"/>; a new one, or one with
/// a new message, goes on top.
/// </summary>
public sealed class SessionRows(ChatsWorkspace workspace, string reader)
{
    readonly List<SessionRow> rows = [];
    int searches;

    public IReadOnlyList<SessionRow> Rows => rows;
    public string Search { get; private set; } = "";
    public bool HasMore { get; private set; }
    public bool Loading { get; private set; }

    /// <summary>The first page for a search ("" for every session). A newer search wins over one still loading.</summary>
    public async Task SearchAsync(string search, CancellationToken ct)
    {
        var mine = ++searches;
        Search = search;
        Loading = true;
        var (page, more) = await workspace.SessionsAsync(search, 0, reader, ct);
        if (mine != searches) return;
        rows.Clear();
        rows.AddRange(page);
        HasMore = more;
        Loading = false;
    }

    public async Task LoadMoreAsync(CancellationToken ct)
    {
        var mine = searches;
        var (page, more) = await workspace.SessionsAsync(Search, rows.Count, reader, ct);
        if (mine != searches) return;
        // Sessions created meanwhile push older ones down a page: skip what is already shown.
        rows.AddRange(page.Where(row => !rows.Exists(r => r.Id == row.Id)));
        HasMore = more;
    }

    public void Put(SessionRow row)
    {
        var at = rows.FindIndex(r => r.Id == row.Id);
        if (at >= 0) rows[at] = row;
        else rows.Insert(0, row);
    }

    /// <summary>The row in its place when it is shown; a session further down than the pages loaded stays unloaded.</summary>
    public void Refresh(SessionRow row)
    {
        var at = rows.FindIndex(r => r.Id == row.Id);
        if (at >= 0) rows[at] = row;
    }

    /// <summary>
    /// A session with a new message goes on top. While a search is shown, a session that is not among its results stays
    /// out: the list keeps showing what was searched for.
    /// </summary>
    public void Bump(SessionRow row)
    {
        var at = rows.FindIndex(r => r.Id == row.Id);
        if (at < 0 && Search.Trim().Length > 0) return;
        if (at >= 0) rows.RemoveAt(at);
        rows.Insert(0, row);
    }

    public void Remove(Guid sessionId) => rows.RemoveAll(r => r.Id == sessionId);
}
