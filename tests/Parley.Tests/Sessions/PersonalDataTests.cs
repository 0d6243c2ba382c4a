using Parley.Sessions;

namespace Parley.Tests.Sessions;

/// <summary>What operators of a client that masks personal data read in place of phone numbers, e-mails and cards.</summary>
public sealed class PersonalDataTests
{
    [Theory]
    [InlineData("call me on +55 11 98765-4321 tomorrow", "call me on +•• •• •••••-••21 tomorrow")]
    [InlineData("my number is (11) 3456-7890.", "my number is (••) ••••-••90.")]
    [InlineData("write to maria.silva+shop@example.com.br please", "write to m•••@example.com.br please")]
    [InlineData("card 4111 1111 1111 1111 exp 12/29", "card •••• •••• •••• 1111 exp 12/29")]
    [InlineData("card 4111-1111-1111-1111", "card ••••-••••-••••-1111")]
    public void Phones_emails_and_cards_are_masked_leaving_enough_to_recognise_them(string text, string masked) =>
        Assert.Equal(masked, PersonalData.Mask(text));

    [Theory]
    [InlineData("order 4711 ships in 3 days")]
    [InlineData("it costs R$ 1.299,90")]
    [InlineData("version 10.0.15 of the package")]
    [InlineData("")]
    public void Short_numbers_prices_and_versions_stay_as_written(string text) =>
        Assert.Equal(text, PersonalData.Mask(text));

    [Fact]
    public void A_sixteen_digit_reference_that_is_no_card_and_too_long_for_a_phone_stays_as_written()
    {
        // Fails the Luhn check, so it is not a card; with 16 digits it is too long to be a phone number.
        Assert.Equal("ref 1234567812345678", PersonalData.Mask("ref 1234567812345678"));
    }
}
