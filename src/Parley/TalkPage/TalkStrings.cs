using System.Collections.Frozen;
using Parley.Hosting;

namespace Parley.TalkPage;

/// <summary>The built-in words of the talk page, from Resources/TalkStrings.*.resx, per language.</summary>
public static class TalkStrings
{
    static readonly StringTable Table = new("Parley.TalkPage.Resources.TalkStrings");

    public static FrozenDictionary<string, string> For(string languageCode) => Table.For(languageCode);
}
