using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Parley.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Insight : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "UsageDays",
                columns: table => new
                {
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Day = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    ChatClientId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Channel = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Tag = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Messages = table.Column<long>(type: "INTEGER", nullable: false),
                    InputTokens = table.Column<long>(type: "INTEGER", nullable: false),
                    OutputTokens = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UsageDays", x => new { x.SessionId, x.Day });
                    table.ForeignKey(
                        name: "FK_UsageDays_Sessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "Sessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

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

            migrationBuilder.CreateIndex(
                name: "IX_UsageDays_Day_SessionId_Messages_InputTokens_OutputTokens",
                table: "UsageDays",
                columns: new[] { "Day", "SessionId", "Messages", "InputTokens", "OutputTokens" });
            // The daily roll-up follows Messages through triggers, so every way a message is written counts, and the
            // usage report never reads the messages themselves. A migration that rebuilds Messages drops these triggers.
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_Usage_Insert" AFTER INSERT ON "Messages" BEGIN
                    INSERT INTO "UsageDays" ("SessionId", "Day", "ChatClientId", "Channel", "Tag", "Messages", "InputTokens", "OutputTokens")
                    SELECT new."SessionId", substr(new."CreatedAt", 1, 10), s."ChatClientId", s."Channel", s."Tag", 1, new."InputTokens", new."OutputTokens"
                    FROM "Sessions" AS s WHERE s."Id" = new."SessionId"
                    ON CONFLICT ("SessionId", "Day") DO UPDATE SET "Messages" = "Messages" + 1,
                        "InputTokens" = "InputTokens" + excluded."InputTokens", "OutputTokens" = "OutputTokens" + excluded."OutputTokens";
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_Usage_Update" AFTER UPDATE OF "InputTokens", "OutputTokens" ON "Messages" BEGIN
                    UPDATE "UsageDays" SET "InputTokens" = "InputTokens" + new."InputTokens" - old."InputTokens",
                        "OutputTokens" = "OutputTokens" + new."OutputTokens" - old."OutputTokens"
                    WHERE "SessionId" = new."SessionId" AND "Day" = substr(new."CreatedAt", 1, 10);
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_Usage_Delete" AFTER DELETE ON "Messages" BEGIN
                    UPDATE "UsageDays" SET "Messages" = "Messages" - 1, "InputTokens" = "InputTokens" - old."InputTokens",
                        "OutputTokens" = "OutputTokens" - old."OutputTokens"
                    WHERE "SessionId" = old."SessionId" AND "Day" = substr(old."CreatedAt", 1, 10);
                END;
                """);
            migrationBuilder.Sql("""
                INSERT INTO "UsageDays" ("SessionId", "Day", "ChatClientId", "Channel", "Tag", "Messages", "InputTokens", "OutputTokens")
                SELECT m."SessionId", substr(m."CreatedAt", 1, 10), s."ChatClientId", s."Channel", s."Tag", COUNT(*), SUM(m."InputTokens"), SUM(m."OutputTokens")
                FROM "Messages" AS m JOIN "Sessions" AS s ON s."Id" = m."SessionId"
                GROUP BY m."SessionId", substr(m."CreatedAt", 1, 10);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS "Messages_Usage_Insert";""");
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS "Messages_Usage_Update";""");
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS "Messages_Usage_Delete";""");
            migrationBuilder.DropTable(
                name: "UsageDays");

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
