using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Xunit.Abstractions;

namespace MLNet.SuperRes.Service.Tests;

/// <summary>
/// Many clients at once on loopback, bounded in count and time: every answer is the right image or a 503 with
/// Retry-After, memory stays bounded and comes back, and clients that hang up mid-image free their workers.
/// Latency and memory are reported, not asserted against a clock.
/// </summary>
public sealed class LoadTests(ITestOutputHelper output)
{
    private const int Clients = 16, ImagesPerClient = 25, LargeImages = 3;

    [Fact]
    public async Task SixteenClients_GetTheRightImageOrA503_AndMemoryComesBack()
    {
        using var host = new ServiceHost(("Workers", "2"), ("QueueLength", "8"), ("RetryAfterSeconds", "1"));
        using var client = new HttpClient(new SocketsHttpHandler()) { BaseAddress = host.Address, Timeout = TimeSpan.FromMinutes(2) };
        (int X, int Y, int W, int H)[] regions = [(0, 0, 16, 16), (30, 40, 24, 20), (100, 60, 32, 24), (180, 100, 40, 30), (60, 120, 20, 36), (140, 10, 28, 28)];
        var small = regions.Select(r => Uploads.Crop(r.X, r.Y, r.W, r.H)).ToArray();
        var expected = small.Select(file => host.Expected(file)).ToArray();
        byte[] largeExpected = host.Expected(Uploads.TestCard);

        using var memory = new MemoryWatch();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var latencies = new ConcurrentBag<double>();
        var failures = new ConcurrentQueue<string>();
        int served = 0, refused = 0;
        var clock = Stopwatch.StartNew();

        async Task Send(byte[] file, byte[] want, string what)
        {
            for (;;)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(Uploads.Post(file), limit.Token);
                byte[] body = await response.Content.ReadAsByteArrayAsync(limit.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    Interlocked.Increment(ref served);
                    if (!body.AsSpan().SequenceEqual(want)) failures.Enqueue($"{what}: a wrong image");
                    return;
                }
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable || response.Headers.RetryAfter?.Delta is null)
                {
                    failures.Enqueue($"{what}: {(int)response.StatusCode} {System.Text.Encoding.UTF8.GetString(body)}");
                    return;
                }
                Interlocked.Increment(ref refused);
                await Task.Delay(Random.Shared.Next(20, 200), limit.Token); // sooner than Retry-After, to keep the test short
            }
        }

        var clients = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
        {
            for (int i = 0; i < ImagesPerClient; i++)
                await Send(small[(c + i) % small.Length], expected[(c + i) % small.Length], $"client {c} image {i}");
        })).Concat(Enumerable.Range(0, LargeImages).Select(l => Task.Run(() => Send(Uploads.TestCard, largeExpected, $"large {l}"))));
        await Task.WhenAll(clients);
        double seconds = clock.Elapsed.TotalSeconds;

        await host.WaitUntilIdleAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(failures);
        var sorted = latencies.Order().ToArray();
        output.WriteLine($"{served} images in {seconds:F1} s ({served / seconds:F1}/s), {refused} answers 503 (retried); " +
            $"latency p50 {Percentile(sorted, 0.5):F0} ms, p95 {Percentile(sorted, 0.95):F0} ms, max {sorted[^1]:F0} ms");
        output.WriteLine(memory.Report());
        Assert.Equal(Clients * ImagesPerClient + LargeImages, served);
        Assert.True(memory.ManagedGrowthBytes < 64 << 20, memory.Report());
    }

    [Fact]
    public async Task ClientsThatHangUpMidImage_FreeTheirWorkers_AndLeakNothing()
    {
        using var host = new ServiceHost(("Workers", "2"), ("QueueLength", "4"));
        using var memory = new MemoryWatch();
        int hungUp = 0, refused = 0;
        var clients = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            for (int i = 0; i < 3; i++)
            {
                await using var client = await LeavingClient.UploadAsync(host, Uploads.TestCard);
                if (client.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    Interlocked.Increment(ref refused);
                    await Task.Delay(100);
                    continue;
                }
                Assert.Equal(HttpStatusCode.OK, client.StatusCode);
                int leaveAfter = Random.Shared.Next(1, 6);
                for (int seen = 0; seen < leaveAfter && await client.NextEventAsync() is { } e; seen++)
                    Assert.Contains(e.Name, new[] { "progress", "result" }); // a short wait may see it finish
                Interlocked.Increment(ref hungUp);
            }
        }));
        await Task.WhenAll(clients);

        var freed = await host.WaitUntilIdleAsync(TimeSpan.FromSeconds(15));
        int cancelled = host.Log.Count(line => line.Contains("by the client after"));
        output.WriteLine($"{hungUp} clients hung up mid-image, {refused} were refused; all workers free {freed.TotalMilliseconds:F0} ms after the last left; " +
            $"{cancelled} jobs cancelled, {host.Log.Count(line => line.StartsWith("Information: Upscaled"))} finished anyway");
        output.WriteLine(memory.Report());
        Assert.True(hungUp > 0);
        Assert.True(cancelled > 0);
        Assert.DoesNotContain(host.Log, line => line.StartsWith("Error") || line.StartsWith("Critical"));

        using var client = host.CreateClient();
        using var after = await client.SendAsync(Uploads.Post(Uploads.Crop(30, 40, 24, 20)));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.True(memory.ManagedGrowthBytes < 64 << 20, memory.Report());
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    /// <summary>The process's resident memory, sampled while the load runs, and the managed heap before and after.</summary>
    private sealed class MemoryWatch : IDisposable
    {
        private readonly long _managedBefore = Settled();
        private readonly long _residentBefore = Process.GetCurrentProcess().WorkingSet64;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _sampler;
        private long _peak;

        public MemoryWatch()
        {
            _peak = _residentBefore;
            _sampler = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    using var process = Process.GetCurrentProcess();
                    long resident = process.WorkingSet64;
                    if (resident > Interlocked.Read(ref _peak)) Interlocked.Exchange(ref _peak, resident);
                    await Task.Delay(50);
                }
            });
        }

        public long ManagedGrowthBytes => Settled() - _managedBefore;

        public string Report()
        {
            long resident = Process.GetCurrentProcess().WorkingSet64;
            return $"resident memory {_residentBefore >> 20} MB before, peak {Interlocked.Read(ref _peak) >> 20} MB, {resident >> 20} MB after; " +
                $"managed heap {_managedBefore >> 20} MB before, {Settled() >> 20} MB after";
        }

        public void Dispose()
        {
            _stop.Cancel();
            _sampler.Wait();
            _stop.Dispose();
        }

        private static long Settled()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return GC.GetTotalMemory(forceFullCollection: true);
        }
    }
}
