using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Parley.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SessionLastMessage : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Sessions_CreatedAt",
                table: "Sessions");

            migrationBuilder.AddColumn<DateTime>(
                name: "LastMessageAt",
                table: "Sessions",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            // Sessions stored before: their newest message, or when they were opened.
            migrationBuilder.Sql("""
                UPDATE "Sessions" SET "LastMessageAt" = COALESCE(
                    (SELECT MAX(m."CreatedAt") FROM "Messages" m WHERE m."SessionId" = "Sessions"."Id"), "CreatedAt");
                """);

            migrationBuilder.CreateIndex(
                name: "IX_Sessions_LastMessageAt",
                table: "Sessions",
                column: "LastMessageAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Sessions_LastMessageAt",
                table: "Sessions");

            migrationBuilder.DropColumn(
                name: "LastMessageAt",
                table: "Sessions");

            migrationBuilder.CreateIndex(
                name: "IX_Sessions_CreatedAt",
                table: "Sessions",
                column: "CreatedAt");
        }
    }
}
