using System.Net;
using Xunit.Abstractions;

namespace MLNet.SuperRes.Service.Tests;

/// <summary>A request waiting in the queue whose client leaves gives its place back at once, not when a worker reaches it.</summary>
public sealed class QueueTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AWaitingClientThatLeaves_FreesItsPlaceAtOnce()
    {
        using var host = new ServiceHost(("Workers", "1"), ("QueueLength", "1")).WarmedUp();
        var first = await LeavingClient.UploadAsync(host, Uploads.TestCard);
        Assert.NotNull(await first.NextEventAsync()); // the worker is on it
        using var waiting = host.HangingUpClient();

        using var leaveWaiting = new CancellationTokenSource();
        var second = waiting.SendAsync(Uploads.Post(Uploads.TestCard), leaveWaiting.Token);
        var clock = DateTime.UtcNow;
        // Read and queued: a place is taken before the upload is read, and a client that left while it was read (seen under
        // load) leaves no job to cancel.
        while (host.Queue.Waiting < 1)
        {
            Assert.True(DateTime.UtcNow - clock < TimeSpan.FromSeconds(10), "the second request never got in the queue");
            await Task.Delay(10);
        }
        leaveWaiting.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second);
        clock = DateTime.UtcNow;
        while (host.Queue.Admitted > 1)
        {
            Assert.True(DateTime.UtcNow - clock < TimeSpan.FromSeconds(2), "the waiting request kept its place after its client left");
            await Task.Delay(10);
        }
        output.WriteLine($"place back {(DateTime.UtcNow - clock).TotalMilliseconds:F0} ms after the client left, while the first image still ran");
        Assert.Equal(1, host.Queue.Running);
        Assert.True(host.Log.Any(line => line.Contains("Cancelled upload x2 by the client while it waited for a worker")), string.Join('\n', host.Log));

        await first.DisposeAsync();
        await host.WaitUntilIdleAsync(TimeSpan.FromSeconds(10));
        using var client = host.CreateClient();
        using var after = await client.SendAsync(Uploads.Post(Uploads.Crop(30, 40, 24, 20)));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }
}
