using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Parley.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class MessageErrorCode : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ErrorCode",
                table: "Messages",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            // Incomplete replies were stored with a made-up finish reason "error"; the provider gave none.
            migrationBuilder.Sql("""UPDATE "Messages" SET "FinishReason" = NULL WHERE "Status" = 'Incomplete'""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""UPDATE "Messages" SET "FinishReason" = 'error' WHERE "Status" = 'Incomplete'""");
            migrationBuilder.DropColumn(
                name: "ErrorCode",
                table: "Messages");
        }
    }
}
