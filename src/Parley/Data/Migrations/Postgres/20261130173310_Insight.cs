using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Parley.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Insight : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Sessions_ChatClientId_LastMessageAt",
                table: "Sessions",
                columns: new[] { "ChatClientId", "LastMessageAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Messages_CreatedAt_SessionId_InputTokens_OutputTokens",
                table: "Messages",
                columns: new[] { "CreatedAt", "SessionId", "InputTokens", "OutputTokens" });

            migrationBuilder.CreateIndex(
                name: "IX_Messages_FeedbackRating_FeedbackAt",
                table: "Messages",
                columns: new[] { "FeedbackRating", "FeedbackAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Sessions_ChatClientId_LastMessageAt",
                table: "Sessions");

            migrationBuilder.DropIndex(
                name: "IX_Messages_CreatedAt_SessionId_InputTokens_OutputTokens",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_Messages_FeedbackRating_FeedbackAt",
                table: "Messages");
        }
    }
}
