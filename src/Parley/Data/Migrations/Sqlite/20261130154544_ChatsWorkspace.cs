using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Parley.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ChatsWorkspace : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "SessionsSeen",
                columns: table => new
                {
                    SessionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Reader = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    SeenUpTo = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SessionsSeen", x => new { x.SessionId, x.Reader });
                    table.ForeignKey(
                        name: "FK_SessionsSeen_Sessions_SessionId",
                        column: x => x.SessionId,
                        principalTable: "Sessions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Sessions_CreatedAt",
                table: "Sessions",
                column: "CreatedAt");

            // Full-text search of message text (SessionSearch), kept in step with Messages by triggers. The FTS5 table
            // stores only its index (contentless), keyed by a row number of its own: Messages has a text key, and the
            // rowid SQLite gives such a table may change on VACUUM, which would point the index at other messages.
            migrationBuilder.Sql("""
                CREATE TABLE "MessageSearchRows" (
                    "RowId" INTEGER NOT NULL PRIMARY KEY,
                    "MessageId" TEXT NOT NULL UNIQUE
                );
                """);
            migrationBuilder.Sql("""
                CREATE VIRTUAL TABLE "MessageSearch" USING fts5("Content", content='', contentless_delete=1);
                """);
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
            migrationBuilder.Sql("""
                CREATE TRIGGER "Messages_Search_Delete" AFTER DELETE ON "Messages" BEGIN
                    DELETE FROM "MessageSearch" WHERE rowid = (SELECT "RowId" FROM "MessageSearchRows" WHERE "MessageId" = old."Id");
                    DELETE FROM "MessageSearchRows" WHERE "MessageId" = old."Id";
                END;
                """);
            migrationBuilder.Sql("""
                INSERT INTO "MessageSearchRows" ("MessageId") SELECT "Id" FROM "Messages";
                INSERT INTO "MessageSearch" (rowid, "Content")
                SELECT r."RowId", m."Content" FROM "MessageSearchRows" AS r JOIN "Messages" AS m ON m."Id" = r."MessageId";
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""DROP TRIGGER "Messages_Search_Insert";""");
            migrationBuilder.Sql("""DROP TRIGGER "Messages_Search_Update";""");
            migrationBuilder.Sql("""DROP TRIGGER "Messages_Search_Delete";""");
            migrationBuilder.Sql("""DROP TABLE "MessageSearch";""");
            migrationBuilder.Sql("""DROP TABLE "MessageSearchRows";""");

            migrationBuilder.DropTable(
                name: "SessionsSeen");

            migrationBuilder.DropIndex(
                name: "IX_Sessions_CreatedAt",
                table: "Sessions");
        }
    }
}
