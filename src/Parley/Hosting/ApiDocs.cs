using Microsoft.OpenApi;
using Parley.Admin;

namespace Parley.Hosting;

public static class ApiDocs
{
    /// <summary>The OpenAPI document, with the admin key described as a bearer scheme on the routes that need it.</summary>
    public static IServiceCollection AddParleyApiDocs(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info = new OpenApiInfo
            {
                Title = "Parley API",
                Version = "v1",
                Description = "Admin routes take `Authorization: Bearer <admin key>`. Session routes take only the session's access key "
                    + "in the path. JSON responses are `{ message, data }`; errors are problem details with `message`, `data: null` and `code`. "
                    + "Replies stream as server-sent events: `delta`, `reasoning`, then `done` or `error`.",
            };
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[AdminKeyAuthentication.SchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The admin key Parley printed on its first run, or PARLEY_ADMIN_KEY.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var needsAdmin = context.Description.ActionDescriptor.EndpointMetadata
                .OfType<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Any();
            if (needsAdmin)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement
                {
                    [new OpenApiSecuritySchemeReference(AdminKeyAuthentication.SchemeName, context.Document)] = [],
                });
            }
            return Task.CompletedTask;
        });
    });
}
