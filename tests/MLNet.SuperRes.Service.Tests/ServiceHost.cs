using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Service;

[assembly: CollectionBehavior(DisableTestParallelization = true)] // one service at a time: the load and browser tests share two cores

namespace MLNet.SuperRes.Service.Tests;

/// <summary>
/// The service on Kestrel, on a free loopback port, with the settings a test gives over appsettings.json
/// (the CPU, one scale unless told), and its log kept for the test to read.
/// </summary>
public sealed class ServiceHost : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> _settings = new()
    {
        ["Upscaling:Provider"] = "cpu",
        ["Upscaling:Scales:0"] = "2",
    };

    public ServiceHost(params (string Key, string Value)[] settings)
    {
        foreach (var (key, value) in settings)
            _settings["Upscaling:" + key] = value;
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
    }

    public ConcurrentQueue<string> Log { get; } = new();

    public Uri Address => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    internal UpscaleQueue Queue => Services.GetRequiredService<UpscaleQueue>();

    internal UpscalingSettings Settings => Services.GetRequiredService<UpscalingSettings>();

    /// <summary>
    /// What <see cref="SuperResolver.Upscale(Stream, string)"/> gives for the same file with the service's options, in a
    /// SuperResolver of its own, encoded as the service encodes it.
    /// </summary>
    public byte[] Expected(byte[] file, string extension = ".png")
    {
        using var resolver = new SuperResolver(Settings.OptionsFor(2));
        using var input = new MemoryStream(file);
        using var upscaled = resolver.Upscale(input, "expected");
        using var encoded = new MemoryStream();
        ImageFiles.Save(upscaled, encoded, extension, Settings.Quality);
        return encoded.ToArray();
    }

    /// <summary>
    /// A client whose abandoned requests close their connection at once, as a closed browser tab does (HttpClient's
    /// default reads on for up to 2 s, to keep the connection).
    /// </summary>
    public HttpClient HangingUpClient() => new(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = Address };

    /// <summary>
    /// Sends one small image asking for events and reads the answer to its end. A process just started has two pool
    /// threads and grows them over seconds; until then the events of a running image can stall for a second or more
    /// (measured: 1.0-1.5 s gaps, 8 of 144 events dropped, only in the first host of a process), and a test that
    /// hangs up after its first event would then leave after the image has finished.
    /// </summary>
    public ServiceHost WarmedUp()
    {
        using var client = CreateClient();
        using var response = client.Send(Uploads.Post(Uploads.Crop(0, 0, 24, 20), events: true));
        response.EnsureSuccessStatusCode();
        response.Content.ReadAsStream().CopyTo(Stream.Null);
        return this;
    }

    /// <summary>Waits until no request holds a place (a cancelled one gives its place back within a tile).</summary>
    public async Task<TimeSpan> WaitUntilIdleAsync(TimeSpan limit)
    {
        var started = DateTime.UtcNow;
        while (Queue.Admitted > 0 || Queue.Running > 0)
        {
            if (DateTime.UtcNow - started > limit)
                throw new TimeoutException($"The service still holds {Queue.Admitted} request(s), {Queue.Running} running, after {limit.TotalSeconds} s.");
            await Task.Delay(20);
        }
        return DateTime.UtcNow - started;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(_settings));
        // Kestrel's connection events (a FIN, a reset) at Debug too: what a failed hang-up test needs to say what the server saw.
        builder.ConfigureLogging(logging => logging.AddProvider(new KeptLog(Log))
            .AddFilter<KeptLog>("Microsoft", LogLevel.Information)
            .AddFilter<KeptLog>("Microsoft.AspNetCore.Server.Kestrel.Connections", LogLevel.Debug));
    }

    private sealed class KeptLog(ConcurrentQueue<string> lines) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel}: {formatter(state, exception)} [{DateTime.UtcNow:HH:mm:ss.fff}]");
        public void Dispose() { }
    }
}
