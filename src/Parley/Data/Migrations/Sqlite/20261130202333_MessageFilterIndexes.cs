using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Parley.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class MessageFilterIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Messages_SessionId_Errors",
                table: "Messages",
                column: "SessionId",
                filter: "\"ErrorCode\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Messages_SessionId_Incomplete",
                table: "Messages",
                column: "SessionId",
                filter: "\"Status\" = 'Incomplete'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Messages_SessionId_Errors",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_Messages_SessionId_Incomplete",
                table: "Messages");
        }
    }
}
