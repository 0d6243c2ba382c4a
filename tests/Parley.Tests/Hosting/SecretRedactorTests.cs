using Parley.Hosting;

namespace Parley.Tests.Hosting;

public sealed class SecretRedactorTests
{
    const string AccessKey = "wky_abcd0123456789abcdefghijklmnopqrstuvwxyz0123456789abcd";

    [Theory]
    [InlineData($"GET /api/v1/chat/{AccessKey}/messages", "GET /api/v1/chat/wky_abcd…/messages")]
    [InlineData($"/chat/{AccessKey}", "/chat/wky_abcd…")]
    [InlineData("Bearer pak_test_admin_key_0123456789 refused", "Bearer pak_test… refused")]
    [InlineData("/hubs/sessions?id=7&access_token=secret%2Bvalue&x=1", "/hubs/sessions?id=7&access_token=[redacted]&x=1")]
    [InlineData("?ACCESS_TOKEN=pak_abc", "?ACCESS_TOKEN=[redacted]")]
    [InlineData("GET /api/v1/chat/wky%5Fabcd0123456789 HTTP/1.1", "GET /api/v1/chat/wky%5Fabcd… HTTP/1.1")]
    [InlineData("Keys start with wky_ and pak_.", "Keys start with wky_ and pak_.")]
    [InlineData("POST https://api.telegram.org/bot123456:AAEhBP0av28-XYZ_secret/sendMessage", "POST https://api.telegram.org/bot123456:[redacted]/sendMessage")]
    [InlineData("POST https://api.z-api.io/instances/3C4F0A/token/F5D2E1/send-text", "POST https://api.z-api.io/instances/[redacted]/token/[redacted]/send-text")]
    [InlineData("POST /webhooks/zapi/0196f0b1-172d-7bbc-9393-4273b86667d2/s3cr3tvalue0123", "POST /webhooks/zapi/0196f0b1-172d-7bbc-9393-4273b86667d2/[redacted]")]
    [InlineData("The bots of /botany are not bot tokens", "The bots of /botany are not bot tokens")]
    public void Keys_keep_their_prefix_and_four_characters_and_access_tokens_are_hidden(string text, string expected)
    {
        Assert.Equal(expected, SecretRedactor.Redact(text));
    }

    [Fact]
    public void Redacting_twice_changes_nothing_more()
    {
        var once = SecretRedactor.Redact($"/api/v1/chat/{AccessKey}?access_token=pak_0123456789");

        Assert.Equal(once, SecretRedactor.Redact(once));
    }

    [Fact]
    public void Text_without_keys_is_returned_as_it_is()
    {
        var text = "Request finished HTTP/1.1 GET /healthz - 200";

        Assert.Same(text, SecretRedactor.Redact(text));
    }

    [Fact]
    public void Structured_values_are_redacted_by_their_text_and_keep_their_type_otherwise()
    {
        Assert.Equal(42, SecretRedactor.RedactValue(42));
        Assert.Equal("/chat/wky_abcd…", SecretRedactor.RedactValue(new PathString($"/chat/{AccessKey}")));
        Assert.Equal(new object[] { "wky_abcd…", 1 }, SecretRedactor.RedactValue(new object[] { AccessKey, 1 }));
    }

    [Fact]
    public void Credential_headers_in_structured_values_are_hidden_whatever_their_form()
    {
        var headers = new KeyValuePair<string, object?>[]
        {
            new("Client-Token", new[] { "F0a1b2c3d4e5f6" }),
            new("authorization", new[] { "Bearer sk-provider-key" }),
            new("Content-Type", new[] { "application/json" }),
        };

        Assert.Equal(["[redacted]", "[redacted]", new[] { "application/json" }], SecretRedactor.RedactValues(headers).Select(h => h.Value));
    }
}
