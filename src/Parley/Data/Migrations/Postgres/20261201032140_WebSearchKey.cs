using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Parley.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class WebSearchKey : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "ProtectedSearchKey",
                table: "Gateways",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SearchKeyHint",
                table: "Gateways",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ProtectedSearchKey",
                table: "Gateways");

            migrationBuilder.DropColumn(
                name: "SearchKeyHint",
                table: "Gateways");
        }
    }
}
