using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Parley.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class LighterMessageWrites : Migration
    {
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
            // waits for. That row now enters the search index and the daily usage only once it has text and ends,
            // which keeps the first token's commit small. Rows already generating were counted: uncount them first.
            migrationBuilder.Sql("""
                UPDATE "UsageDays" SET
                    "Messages" = "Messages" - (SELECT COUNT(*) FROM "Messages" AS m WHERE m."SessionId" = "UsageDays"."SessionId"
                        AND substr(m."CreatedAt", 1, 10) = "UsageDays"."Day" AND m."Status" = 'Generating'),
                    "InputTokens" = "InputTokens" - (SELECT COALESCE(SUM(m."InputTokens"), 0) FROM "Messages" AS m WHERE m."SessionId" = "UsageDays"."SessionId"
                        AND substr(m."CreatedAt", 1, 10) = "UsageDays"."Day" AND m."Status" = 'Generating'),
                    "OutputTokens" = "OutputTokens" - (SELECT COALESCE(SUM(m."OutputTokens"), 0) FROM "Messages" AS m WHERE m."SessionId" = "UsageDays"."SessionId"
                        AND substr(m."CreatedAt", 1, 10) = "UsageDays"."Day" AND m."Status" = 'Generating')
                WHERE EXISTS (SELECT 1 FROM "Messages" AS m WHERE m."SessionId" = "UsageDays"."SessionId"
                    AND substr(m."CreatedAt", 1, 10) = "UsageDays"."Day" AND m."Status" = 'Generating');
                """);
            migrationBuilder.Sql("""DROP TRIGGER "Messages_Usage_Insert";""");
            migrationBuilder.Sql("""DROP TRIGGER "Messages_Usage_Update";""");
            migrationBuilder.Sql("""DROP TRIGGER "Messages_Usage_Delete";""");
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_Usage_Insert" AFTER INSERT ON "Messages" WHEN new."Status" <> 'Generating' BEGIN
                    INSERT INTO "UsageDays" ("SessionId", "Day", "ChatClientId", "Channel", "Tag", "Messages", "InputTokens", "OutputTokens")
                    SELECT new."SessionId", substr(new."CreatedAt", 1, 10), s."ChatClientId", s."Channel", s."Tag", 1, new."InputTokens", new."OutputTokens"
                    FROM "Sessions" AS s WHERE s."Id" = new."SessionId"
                    ON CONFLICT ("SessionId", "Day") DO UPDATE SET "Messages" = "Messages" + 1,
                        "InputTokens" = "InputTokens" + excluded."InputTokens", "OutputTokens" = "OutputTokens" + excluded."OutputTokens";
                END;
                """);
            // A row counts once it is no longer generating; the difference between what counted before and after.
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_Usage_Update" AFTER UPDATE OF "Status", "InputTokens", "OutputTokens" ON "Messages" BEGIN
                    INSERT INTO "UsageDays" ("SessionId", "Day", "ChatClientId", "Channel", "Tag", "Messages", "InputTokens", "OutputTokens")
                    SELECT new."SessionId", substr(new."CreatedAt", 1, 10), s."ChatClientId", s."Channel", s."Tag",
                        (new."Status" <> 'Generating') - (old."Status" <> 'Generating'),
                        (CASE WHEN new."Status" <> 'Generating' THEN new."InputTokens" ELSE 0 END) - (CASE WHEN old."Status" <> 'Generating' THEN old."InputTokens" ELSE 0 END),
                        (CASE WHEN new."Status" <> 'Generating' THEN new."OutputTokens" ELSE 0 END) - (CASE WHEN old."Status" <> 'Generating' THEN old."OutputTokens" ELSE 0 END)
                    FROM "Sessions" AS s WHERE s."Id" = new."SessionId"
                    ON CONFLICT ("SessionId", "Day") DO UPDATE SET "Messages" = "Messages" + excluded."Messages",
                        "InputTokens" = "InputTokens" + excluded."InputTokens", "OutputTokens" = "OutputTokens" + excluded."OutputTokens";
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_Usage_Delete" AFTER DELETE ON "Messages" WHEN old."Status" <> 'Generating' BEGIN
                    UPDATE "UsageDays" SET "Messages" = "Messages" - 1, "InputTokens" = "InputTokens" - old."InputTokens",
                        "OutputTokens" = "OutputTokens" - old."OutputTokens"
                    WHERE "SessionId" = old."SessionId" AND "Day" = substr(old."CreatedAt", 1, 10);
                END;
                """);
            migrationBuilder.Sql("""DROP TRIGGER "Messages_Search_Insert";""");
            migrationBuilder.Sql("""DROP TRIGGER "Messages_Search_Update";""");
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_Search_Insert" AFTER INSERT ON "Messages" WHEN new."Content" <> '' BEGIN
                    INSERT INTO "MessageSearchRows" ("MessageId") VALUES (new."Id");
                    INSERT INTO "MessageSearch" (rowid, "Content") VALUES (last_insert_rowid(), new."Content");
                END;
                """);
            // The row may not be indexed yet (it was empty when written): index it under its own row id either way.
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_Search_Update" AFTER UPDATE OF "Content" ON "Messages" BEGIN
                    DELETE FROM "MessageSearch" WHERE rowid = (SELECT "RowId" FROM "MessageSearchRows" WHERE "MessageId" = old."Id");
                    INSERT OR IGNORE INTO "MessageSearchRows" ("MessageId") VALUES (new."Id");
                    INSERT INTO "MessageSearch" (rowid, "Content") SELECT "RowId", new."Content" FROM "MessageSearchRows" WHERE "MessageId" = new."Id";
                END;
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

            migrationBuilder.Sql("""DROP TRIGGER "Messages_Search_Insert";""");
            migrationBuilder.Sql("""DROP TRIGGER "Messages_Search_Update";""");
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_Search_Insert" AFTER INSERT ON "Messages" BEGIN
                    INSERT INTO "MessageSearchRows" ("MessageId") VALUES (new."Id");
                    INSERT INTO "MessageSearch" (rowid, "Content") VALUES (last_insert_rowid(), new."Content");
                END;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_Search_Update" AFTER UPDATE OF "Content" ON "Messages" BEGIN
                    UPDATE "MessageSearch" SET "Content" = new."Content"
                    WHERE rowid = (SELECT "RowId" FROM "MessageSearchRows" WHERE "MessageId" = old."Id");
                END;
                """);
            migrationBuilder.Sql("""DROP TRIGGER "Messages_Usage_Insert";""");
            migrationBuilder.Sql("""DROP TRIGGER "Messages_Usage_Update";""");
            migrationBuilder.Sql("""DROP TRIGGER "Messages_Usage_Delete";""");
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
        }
    }
}
