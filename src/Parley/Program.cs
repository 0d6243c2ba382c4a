using Parley.Hosting;

// The build's OpenAPI generator runs this entry point and reads the endpoints of the host it starts, on a server of
// its own (no port is opened). It needs no stored state: an in-memory database, no admin key, and no log output.
string[] describeOnly = ["--Database:Provider=Sqlite", "--Database:ConnectionString=Data Source=:memory:", "--Logging:Console:LogLevel:Default=None"];
var app = ParleyServer.Build(ApiDocs.GeneratingAtBuildTime ? [.. args, .. describeOnly] : args);
if (!ApiDocs.GeneratingAtBuildTime) await app.PrepareAsync();
await app.RunAsync();

public partial class Program;
