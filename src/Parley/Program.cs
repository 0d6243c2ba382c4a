using Parley.Hosting;

var app = ParleyServer.Build(args);
await app.PrepareAsync();
await app.RunAsync();

public partial class Program;
