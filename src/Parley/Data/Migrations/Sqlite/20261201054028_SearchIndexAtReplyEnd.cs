using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Parley.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SearchIndexAtReplyEnd : Migration
    {
        // A reply's text is saved every second while it grows; indexing each of those saves re-read and re-tokenised
        // the whole text so far on the commit that other messages' first tokens wait for. The text is now indexed once,
        // when the reply ends (or is marked ended after a restart).
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER "Messages_Search_Update";""");
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_Search_Update" AFTER UPDATE OF "Content", "Status" ON "Messages" WHEN new."Status" <> 'Generating' BEGIN
                    DELETE FROM "MessageSearch" WHERE rowid = (SELECT "RowId" FROM "MessageSearchRows" WHERE "MessageId" = old."Id");
                    INSERT OR IGNORE INTO "MessageSearchRows" ("MessageId") VALUES (new."Id");
                    INSERT INTO "MessageSearch" (rowid, "Content") SELECT "RowId", new."Content" FROM "MessageSearchRows" WHERE "MessageId" = new."Id";
                END;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER "Messages_Search_Update";""");
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_Search_Update" AFTER UPDATE OF "Content" ON "Messages" BEGIN
                    DELETE FROM "MessageSearch" WHERE rowid = (SELECT "RowId" FROM "MessageSearchRows" WHERE "MessageId" = old."Id");
                    INSERT OR IGNORE INTO "MessageSearchRows" ("MessageId") VALUES (new."Id");
                    INSERT INTO "MessageSearch" (rowid, "Content") SELECT "RowId", new."Content" FROM "MessageSearchRows" WHERE "MessageId" = new."Id";
                END;
                """);
        }
    }
}
