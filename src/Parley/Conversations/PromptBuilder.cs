using Microsoft.Extensions.AI;
using Parley.Gateways;
using Parley.Sessions;

namespace Parley.Conversations;

public static class PromptBuilder
{
    /// <summary>
    /// System = gateway instruction, then the chat client's context, then the session's extra context; then the
    /// history (user turns through the template); then the assistant prefill, if any, as the start of the reply.
    /// </summary>
    /// <remarks><paramref name="files"/>: what each user message's files add to its turn (images, documents' text), by message id.</remarks>
    public static List<ChatMessage> Build(
        GatewayParameters gateway, string? clientContext, string? sessionContext, IEnumerable<Message> history,
        IReadOnlyDictionary<Guid, List<AIContent>>? files = null)
    {
        var prompt = new List<ChatMessage>();
        var system = string.Join("\n\n",
            new[] { gateway.SystemInstruction, clientContext, sessionContext }.Where(s => !string.IsNullOrWhiteSpace(s)));
        if (system.Length > 0) prompt.Add(new ChatMessage(ChatRole.System, system));

        foreach (var message in history)
        {
            if (message.Role == MessageRole.User)
            {
                prompt.Add(files?.GetValueOrDefault(message.Id) is { Count: > 0 } attached
                    ? new ChatMessage(ChatRole.User, [new TextContent(gateway.ApplyTemplate(message.Content)), .. attached])
                    : new ChatMessage(ChatRole.User, gateway.ApplyTemplate(message.Content)));
            }
            else if (message.Content.Length > 0)
                prompt.Add(new ChatMessage(ChatRole.Assistant, message.Content));
        }

        if (!string.IsNullOrEmpty(gateway.AssistantPrefill))
            prompt.Add(new ChatMessage(ChatRole.Assistant, gateway.AssistantPrefill));
        return prompt;
    }

    public static string Text(IEnumerable<ChatMessage> prompt) => string.Join("\n", prompt.Select(m => m.Text));
}
