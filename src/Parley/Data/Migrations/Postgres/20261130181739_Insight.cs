using System;
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
            migrationBuilder.CreateTable(
                name: "UsageDays",
                columns: table => new
                {
                    SessionId = table.Column<Guid>(type: "uuid", nullable: false),
                    Day = table.Column<DateOnly>(type: "date", nullable: false),
                    ChatClientId = table.Column<Guid>(type: "uuid", nullable: false),
                    Channel = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    Tag = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Messages = table.Column<long>(type: "bigint", nullable: false),
                    InputTokens = table.Column<long>(type: "bigint", nullable: false),
                    OutputTokens = table.Column<long>(type: "bigint", nullable: false)
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
            // The daily roll-up follows Messages through a trigger, so every way a message is written counts, and the
            // usage report never reads the messages themselves.
            migrationBuilder.Sql("""
                CREATE FUNCTION usage_days_follow() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'INSERT' THEN
                        INSERT INTO "UsageDays" ("SessionId", "Day", "ChatClientId", "Channel", "Tag", "Messages", "InputTokens", "OutputTokens")
                        SELECT NEW."SessionId", (NEW."CreatedAt" AT TIME ZONE 'UTC')::date, s."ChatClientId", s."Channel", s."Tag", 1,
                            NEW."InputTokens", NEW."OutputTokens"
                        FROM "Sessions" AS s WHERE s."Id" = NEW."SessionId"
                        ON CONFLICT ("SessionId", "Day") DO UPDATE SET "Messages" = "UsageDays"."Messages" + 1,
                            "InputTokens" = "UsageDays"."InputTokens" + EXCLUDED."InputTokens",
                            "OutputTokens" = "UsageDays"."OutputTokens" + EXCLUDED."OutputTokens";
                        RETURN NEW;
                    ELSIF TG_OP = 'UPDATE' THEN
                        UPDATE "UsageDays" SET "InputTokens" = "InputTokens" + NEW."InputTokens" - OLD."InputTokens",
                            "OutputTokens" = "OutputTokens" + NEW."OutputTokens" - OLD."OutputTokens"
                        WHERE "SessionId" = NEW."SessionId" AND "Day" = (NEW."CreatedAt" AT TIME ZONE 'UTC')::date;
                        RETURN NEW;
                    END IF;
                    UPDATE "UsageDays" SET "Messages" = "Messages" - 1, "InputTokens" = "InputTokens" - OLD."InputTokens",
                        "OutputTokens" = "OutputTokens" - OLD."OutputTokens"
                    WHERE "SessionId" = OLD."SessionId" AND "Day" = (OLD."CreatedAt" AT TIME ZONE 'UTC')::date;
                    RETURN OLD;
                END $$;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_Usage" AFTER INSERT OR DELETE OR UPDATE OF "InputTokens", "OutputTokens" ON "Messages"
                FOR EACH ROW EXECUTE FUNCTION usage_days_follow();
                """);
            migrationBuilder.Sql("""
                INSERT INTO "UsageDays" ("SessionId", "Day", "ChatClientId", "Channel", "Tag", "Messages", "InputTokens", "OutputTokens")
                SELECT m."SessionId", (m."CreatedAt" AT TIME ZONE 'UTC')::date, s."ChatClientId", s."Channel", s."Tag",
                    COUNT(*), SUM(m."InputTokens"), SUM(m."OutputTokens")
                FROM "Messages" AS m JOIN "Sessions" AS s ON s."Id" = m."SessionId"
                GROUP BY m."SessionId", (m."CreatedAt" AT TIME ZONE 'UTC')::date, s."ChatClientId", s."Channel", s."Tag";
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER IF EXISTS "Messages_Usage" ON "Messages";""");
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS usage_days_follow();");
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
