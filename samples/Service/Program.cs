// An upscaling web service: POST an image, get it back sharper and larger; GET / is a page for people.
//   dotnet run -c Release --project samples/Service            (then open http://localhost:5000)
//   curl --data-binary @photo.jpg "http://localhost:5000/upscale?scale=2" -o photo-x2.png
// Settings: appsettings.json's "Upscaling" section, environment variables (Upscaling__QueueLength=8) or the
// command line (--Upscaling:Provider cpu); the listening address with --urls.
using System.Reflection;
using Service;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton(services =>
{
    var settings = services.GetRequiredService<IConfiguration>().GetSection(UpscalingSettings.Section)
        .Get<UpscalingSettings>(binding => binding.ErrorOnUnknownConfiguration = true) ?? new();
    settings.Validate();
    return settings;
});
builder.Services.AddSingleton<ScaleResolvers>();
builder.Services.AddSingleton<UpscaleQueue>();
builder.Services.AddHostedService(services => services.GetRequiredService<UpscaleQueue>());
builder.Services.AddProblemDetails();

var app = builder.Build();
// The models open now, so that a bad setting or model stops the start instead of failing the first request.
app.Services.GetRequiredService<ScaleResolvers>();

app.MapGet("/", () => Results.Stream(
    Assembly.GetExecutingAssembly().GetManifestResourceStream("index.html")!, "text/html; charset=utf-8"));
app.MapGet("/healthz", (ScaleResolvers resolvers, UpscaleQueue queue) => Results.Json(new
{
    status = "ok",
    provider = resolvers.ExecutionProvider,
    scales = resolvers.Scales.Order(),
    workers = queue.Workers,
    running = queue.Running,
    admitted = queue.Admitted,
    capacity = queue.Capacity,
}));
app.MapPost("/upscale", UpscaleEndpoint.HandleAsync);

app.Run();

/// <summary>The service's entry point, visible to the tests' WebApplicationFactory.</summary>
public partial class Program;
