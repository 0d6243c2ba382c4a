using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Globalization;
using System.Resources;

namespace Parley.Hosting;

/// <summary>The words of one part of Parley (the talk page, the chat channels), from its .resx files, per language.</summary>
public sealed class StringTable(string resourceBaseName)
{
    readonly ResourceManager resources = new(resourceBaseName, typeof(StringTable).Assembly);
    readonly ConcurrentDictionary<string, FrozenDictionary<string, string>> byLanguage = new();

    public FrozenDictionary<string, string> For(string languageCode) => byLanguage.GetOrAdd(languageCode, code =>
    {
        var culture = CultureInfo.GetCultureInfo(code);
        var neutral = resources.GetResourceSet(CultureInfo.InvariantCulture, createIfNotExists: true, tryParents: true)
            ?? throw new InvalidOperationException($"The strings {resourceBaseName} are missing from the build.");
        return neutral.Cast<System.Collections.DictionaryEntry>()
            .Select(entry => (string)entry.Key)
            .ToFrozenDictionary(key => key, key => resources.GetString(key, culture) ?? key);
    });
}
