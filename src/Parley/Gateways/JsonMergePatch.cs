using System.Text.Json.Nodes;

namespace Parley.Gateways;

/// <summary>
/// RFC 7386 JSON merge patch: members in the patch replace those in the target, null removes them, objects merge.
/// No maintained .NET package implements 7386 (ASP.NET's JsonPatch is RFC 6902), and it is ten lines.
/// </summary>
public static class JsonMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject) return patch?.DeepClone();

        var result = target as JsonObject ?? [];
        foreach (var (name, value) in patchObject)
        {
            if (value is null) result.Remove(name);
            else result[name] = Apply(result[name]?.DeepClone(), value);
        }
        return result;
    }
}
