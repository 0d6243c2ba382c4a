using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Globalization;
using System.Resources;

namespace Parley.TalkPage;

/// <summary>The built-in words of the talk page, from Resources/TalkStrings.*.resx, per language.</summary>
public static class TalkStrings
{
    static readonly ResourceManager Resources = new("Parley.TalkPage.Resources.TalkStrings", typeof(TalkStrings).Assembly);
    static readonly ConcurrentDictionary<string, FrozenDictionary<string, string>> ByLanguage = new();

    public static FrozenDictionary<string, string> For(string languageCode) => ByLanguage.GetOrAdd(languageCode, code =>
    {
        var culture = CultureInfo.GetCultureInfo(code);
        var neutral = Resources.GetResourceSet(CultureInfo.InvariantCulture, createIfNotExists: true, tryParents: true)
            ?? throw new InvalidOperationException("The talk page strings are missing from the build.");
        return neutral.Cast<System.Collections.DictionaryEntry>()
            .Select(entry => (string)entry.Key)
            .ToFrozenDictionary(key => key, key => Resources.GetString(key, culture) ?? key);
    });
}
