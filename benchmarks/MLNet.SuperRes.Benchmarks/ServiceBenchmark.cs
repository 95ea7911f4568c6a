using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace MLNet.SuperRes.Benchmarks;

/// <summary>
/// service: the upscaling service (samples/Service, built) started as its own process on loopback, then 1, 2 and 4
/// clients each sending the same image one request after another: images per second, latency p50/p95 and the
/// server's peak resident memory (VmHWM) after each round. Settings after <c>--</c> go to the service
/// (for example <c>--Upscaling:Workers 1</c>).
/// </summary>
internal static partial class ServiceBenchmark
{
    public static int Run(Dictionary<string, string> options, IEnumerable<string> serviceArguments)
    {
        string service = options.GetValueOrDefault("service", Path.Combine("samples", "Service", "bin", "Release", "net10.0", "Service.dll"));
        string imagePath = options.GetValueOrDefault("image", Path.Combine("samples", "Upscale", "images", "test-card.png"));
        int perClient = int.Parse(options.GetValueOrDefault("images", "8"), CultureInfo.InvariantCulture);
        int[] concurrency = options.GetValueOrDefault("clients", "1,2,4").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
        if (!File.Exists(service))
        {
            Console.Error.WriteLine($"service: '{service}' is not built (dotnet build -c Release samples/Service) or give --service PATH");
            return 2;
        }
        byte[] image = File.ReadAllBytes(imagePath);

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { service, "--urls", "http://127.0.0.1:0", "--Upscaling:Provider", "cpu", "--Upscaling:QueueLength", "64" }.Concat(serviceArguments))
            start.ArgumentList.Add(argument);
        using var server = Process.Start(start)!;
        try
        {
            var address = new TaskCompletionSource<Uri>();
            server.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null && ListeningOn().Match(e.Data) is { Success: true } match) address.TrySetResult(new Uri(match.Groups[1].Value));
                if (e.Data is not null && e.Data.Contains("x2:")) Console.WriteLine("service:" + e.Data);
            };
            server.BeginOutputReadLine();
            server.BeginErrorReadLine();
            if (!address.Task.Wait(TimeSpan.FromMinutes(1)))
                throw new TimeoutException("The service did not start listening within a minute.");
            using var client = new HttpClient { BaseAddress = address.Task.Result, Timeout = TimeSpan.FromMinutes(10) };
            Console.WriteLine($"{Path.GetFileName(imagePath)} x2 to PNG, {perClient} images a client, {Environment.ProcessorCount} cores; args: {string.Join(' ', serviceArguments)}");
            Send(client, image).GetAwaiter().GetResult(); // warm-up: first session run, JIT
            Console.WriteLine("| clients | images/s | p50 ms | p95 ms | server peak RSS MB |");
            Console.WriteLine("|---|---|---|---|---|");
            foreach (int clients in concurrency)
            {
                var latencies = new List<double>();
                var clock = Stopwatch.StartNew();
                var rounds = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
                {
                    var mine = new List<double>();
                    for (int i = 0; i < perClient; i++) mine.Add(await Send(client, image));
                    return mine;
                })).ToArray();
                foreach (var round in rounds) latencies.AddRange(round.GetAwaiter().GetResult());
                double seconds = clock.Elapsed.TotalSeconds;
                latencies.Sort();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {clients} | {latencies.Count / seconds:F2} | {latencies[latencies.Count / 2]:F0} | {latencies[(int)(0.95 * (latencies.Count - 1))]:F0} | {PeakResidentMegabytes(server.Id)} |"));
            }
            return 0;
        }
        finally
        {
            server.Kill(entireProcessTree: true);
        }
    }

    private static async Task<double> Send(HttpClient client, byte[] image)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await client.PostAsync("/upscale?scale=2", new ByteArrayContent(image));
        await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"The service answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    private static long PeakResidentMegabytes(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmHWM:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024).FirstOrDefault();

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningOn();
}
