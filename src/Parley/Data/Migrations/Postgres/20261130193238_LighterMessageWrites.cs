using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Parley.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class LighterMessageWrites : Migration
    {
        // A row counts in the roll-up once it is no longer generating: each change adds what counts after it minus
        // what counted before.
        const string FollowingGeneratingRows = """
            CREATE OR REPLACE FUNCTION usage_days_follow() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                counted_before boolean := TG_OP <> 'INSERT' AND OLD."Status" <> 'Generating';
                counted_after boolean := TG_OP <> 'DELETE' AND NEW."Status" <> 'Generating';
                row_of "Messages" := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
                messages integer := counted_after::integer - counted_before::integer;
                input bigint := (CASE WHEN counted_after THEN NEW."InputTokens" ELSE 0 END) - (CASE WHEN counted_before THEN OLD."InputTokens" ELSE 0 END);
                output bigint := (CASE WHEN counted_after THEN NEW."OutputTokens" ELSE 0 END) - (CASE WHEN counted_before THEN OLD."OutputTokens" ELSE 0 END);
            BEGIN
                IF messages <> 0 OR input <> 0 OR output <> 0 THEN
                    INSERT INTO "UsageDays" ("SessionId", "Day", "ChatClientId", "Channel", "Tag", "Messages", "InputTokens", "OutputTokens")
                    SELECT row_of."SessionId", (row_of."CreatedAt" AT TIME ZONE 'UTC')::date, s."ChatClientId", s."Channel", s."Tag",
                        messages, input, output
                    FROM "Sessions" AS s WHERE s."Id" = row_of."SessionId"
                    ON CONFLICT ("SessionId", "Day") DO UPDATE SET "Messages" = "UsageDays"."Messages" + EXCLUDED."Messages",
                        "InputTokens" = "UsageDays"."InputTokens" + EXCLUDED."InputTokens",
                        "OutputTokens" = "UsageDays"."OutputTokens" + EXCLUDED."OutputTokens";
                END IF;
                RETURN row_of;
            END $$;
            """;

        const string CountingEveryRow = """
            CREATE OR REPLACE FUNCTION usage_days_follow() RETURNS trigger LANGUAGE plpgsql AS $$
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
            """;

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Messages_FeedbackRating_FeedbackAt",
                table: "Messages");

            migrationBuilder.CreateIndex(
                name: "IX_Messages_FeedbackRating_FeedbackAt",
                table: "Messages",
                columns: new[] { "FeedbackRating", "FeedbackAt" },
                filter: "\"FeedbackRating\" IS NOT NULL");
            // A reply is written first as an empty row marked Generating, in the commit that the caller's first token
            // waits for. That row now enters the daily usage only once it ends, which keeps the first token's commit
            // small. Rows already generating were counted: uncount them first.
            migrationBuilder.Sql("""
                UPDATE "UsageDays" AS u SET "Messages" = u."Messages" - g.n, "InputTokens" = u."InputTokens" - g.i, "OutputTokens" = u."OutputTokens" - g.o
                FROM (SELECT "SessionId", ("CreatedAt" AT TIME ZONE 'UTC')::date AS day, COUNT(*) AS n,
                        SUM("InputTokens") AS i, SUM("OutputTokens") AS o
                      FROM "Messages" WHERE "Status" = 'Generating' GROUP BY 1, 2) AS g
                WHERE u."SessionId" = g."SessionId" AND u."Day" = g.day;
                """);
            migrationBuilder.Sql(FollowingGeneratingRows);
            migrationBuilder.Sql("""DROP TRIGGER "Messages_Usage" ON "Messages";""");
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_Usage" AFTER INSERT OR DELETE OR UPDATE OF "Status", "InputTokens", "OutputTokens" ON "Messages"
                FOR EACH ROW EXECUTE FUNCTION usage_days_follow();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Messages_FeedbackRating_FeedbackAt",
                table: "Messages");

            migrationBuilder.CreateIndex(
                name: "IX_Messages_FeedbackRating_FeedbackAt",
                table: "Messages",
                columns: new[] { "FeedbackRating", "FeedbackAt" });
            migrationBuilder.Sql(CountingEveryRow);
            migrationBuilder.Sql("""DROP TRIGGER "Messages_Usage" ON "Messages";""");
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_Usage" AFTER INSERT OR DELETE OR UPDATE OF "InputTokens", "OutputTokens" ON "Messages"
                FOR EACH ROW EXECUTE FUNCTION usage_days_follow();
                """);
        }
    }
}
