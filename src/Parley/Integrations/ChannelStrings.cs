using System.Collections.Frozen;
using Parley.Hosting;

namespace Parley.Integrations;

/// <summary>What Parley itself says in a chat app (command answers, limits, faults), in the chat client's language.</summary>
public static class ChannelStrings
{
    static readonly StringTable Table = new("Parley.Integrations.Resources.ChannelStrings");

    public static FrozenDictionary<string, string> For(string languageCode) => Table.For(languageCode);
}
