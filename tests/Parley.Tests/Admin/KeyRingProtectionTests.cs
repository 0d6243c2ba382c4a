using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Parley.Admin;
using Parley.Data;
using Parley.Hosting;
using Parley.Testing;

namespace Parley.Tests.Admin;

/// <summary>The key ring that encrypts provider keys, protected at rest by PARLEY_DATA_KEY, and said so on start.</summary>
public sealed class KeyRingProtectionTests
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_a_data_key_the_key_ring_is_stored_encrypted_and_provider_keys_still_work_after_a_restart()
    {
        var dataKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite,
            $"--{KeyRingProtection.KeyVariable}={dataKey}", "--Logging:LogLevel:Parley=Information");
        var session = await parley.CreateSessionAsync();
        Assert.Equal("echo: hello", (await parley.SendAsync(session.AccessKey, "hello", Ct)).Text);

        var said = parley.Logs.GetSnapshot().Where(r => r.Category == typeof(StartupReport).FullName).Select(r => r.Message).ToList();
        Assert.Contains(said, line => line.StartsWith($"Secrets at rest: protected with the key in {KeyRingProtection.KeyVariable} (key id ", StringComparison.Ordinal));
        var ring = await StoredKeyRingAsync(parley);
        Assert.NotEmpty(ring);
        Assert.All(ring, xml =>
        {
            Assert.Contains("<parleyEncryptedKey", xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
        });

        await parley.RestartAsync();
        Assert.Equal("echo: again", (await parley.SendAsync(session.AccessKey, "again", Ct)).Text);
        Assert.Equal("Bearer sk-upstream-secret-123456", parley.Upstream.Requests[^1].Authorization);
    }

    [Fact]
    public async Task Without_protection_the_start_says_so_in_plain_words()
    {
        await using var parley = await TestParley.StartAsync(DatabaseKind.Sqlite);

        var warned = parley.Logs.GetSnapshot().Where(r => r.Category == typeof(StartupReport).FullName).Select(r => r.Message).ToList();
        Assert.Contains(warned, line => line.StartsWith("Secrets at rest: NOT protected", StringComparison.Ordinal)
            && line.Contains(KeyRingProtection.KeyVariable, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_data_key_that_is_not_32_bytes_of_base64_stops_the_start_with_how_to_make_one()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestParley.StartAsync(DatabaseKind.Sqlite, $"--{KeyRingProtection.KeyVariable}=hunter2"));
        Assert.Contains("openssl rand -base64 32", error.ToString(), StringComparison.Ordinal);
    }

    static async Task<List<string>> StoredKeyRingAsync(TestParley parley)
    {
        await using var scope = parley.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AppDb>().DataProtectionKeys.Select(k => k.Xml ?? "").ToListAsync(Ct);
    }
}
