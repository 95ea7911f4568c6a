using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using SixLabors.ImageSharp;
using Xunit.Abstractions;

namespace MLNet.SuperRes.Service.Tests;

/// <summary>One worker, no queue: the second image at once is a 503.</summary>
public sealed class OneWorkerService : IDisposable
{
    public const long MaxRequestBytes = 300_000, MaxInputPixels = 100_000;

    public ServiceHost Host { get; } = new ServiceHost(("Workers", "1"), ("QueueLength", "0"),
        ("MaxRequestBytes", MaxRequestBytes.ToString()), ("MaxInputPixels", MaxInputPixels.ToString()), ("RetryAfterSeconds", "7")).WarmedUp();

    public void Dispose() => Host.Dispose();
}

/// <summary>Every status the service answers, and answers byte-identical to <see cref="SuperResolver.Upscale(string)"/>.</summary>
public sealed class HttpSemanticsTests(OneWorkerService service, ITestOutputHelper output) : IClassFixture<OneWorkerService>
{
    private static readonly byte[] Small = Uploads.Crop(30, 40, 36, 28);
    private readonly HttpClient _client = service.Host.CreateClient();

    [Fact]
    public async Task Healthz_SaysWhatItServesAndOnWhat()
    {
        var health = JsonDocument.Parse(await _client.GetStringAsync("/healthz")).RootElement;
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal("CPU", health.GetProperty("provider").GetString());
        Assert.Equal([2], health.GetProperty("scales").EnumerateArray().Select(s => s.GetInt32()));
        Assert.Equal(1, health.GetProperty("workers").GetInt32());
        Assert.Equal(1, health.GetProperty("capacity").GetInt32());
    }

    [Fact]
    public async Task ThePage_HasTheControlsItsScriptUses()
    {
        using var response = await _client.GetAsync("/");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        string page = await response.Content.ReadAsStringAsync();
        foreach (string id in new[] { "file", "scale", "format", "bar", "status", "after", "before", "slider", "download" })
            Assert.Contains($"id=\"{id}\"", page);
    }

    [Fact]
    public async Task ARawBody_IsAnsweredWithTheImageTheLibraryMakes()
    {
        using var response = await _client.SendAsync(Uploads.Post(Small));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(service.Host.Expected(Small), await response.Content.ReadAsByteArrayAsync());
        Assert.Contains(service.Host.Log, line => line.Contains("Upscaled upload (") && line.Contains("36x28) x2 to .png") && line.Contains("tiles, waited"));
    }

    [Fact]
    public async Task AMultipartFile_IsAnsweredTheSame_AndNamedByItsFileName()
    {
        using var form = new MultipartFormDataContent { { new StringContent("a note"), "note" } };
        var file = new ByteArrayContent(Small);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        form.Add(file, "image", "crop.png");
        using var response = await _client.PostAsync("/upscale?scale=2", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(service.Host.Expected(Small), await response.Content.ReadAsByteArrayAsync());
        Assert.Contains(service.Host.Log, line => line.Contains("Upscaled crop.png ("));
    }

    [Theory]
    [InlineData("jpeg")]
    [InlineData("png")]
    public async Task APhotosProfileAndExif_ComeBackWithIt_Upright(string format)
    {
        byte[] profile = OrientedPhotos.IccProfile(132);
        using var response = await _client.SendAsync(Uploads.Post(OrientedPhotos.PhoneJpeg(orientation: 6, profile), "scale=2&format=" + format));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = ImageFiles.ReadMetadata(new MemoryStream(await response.Content.ReadAsByteArrayAsync()), "answer", upright: false);
        Assert.Equal(profile, answer.IccProfile.ToArray());
        Assert.Equal(1, answer.Orientation); // turned upright, and tagged so
        Assert.False(answer.Exif.IsEmpty);
    }

    [Theory]
    [InlineData("jpeg", "image/jpeg", ".jpg")]
    [InlineData("webp", "image/webp", ".webp")]
    [InlineData("PNG", "image/png", ".png")]
    public async Task TheFormatAsked_IsTheFormatAnswered(string format, string contentType, string extension)
    {
        using var response = await _client.SendAsync(Uploads.Post(Small, "scale=2&format=" + format));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(service.Host.Expected(Small, extension), body);
        var info = Image.Identify(body);
        Assert.Equal((72, 56), (info.Width, info.Height));
    }

    [Fact]
    public async Task Events_ReportTilesAsTheyFinish_ThenTheSameImage()
    {
        using var response = await _client.SendAsync(Uploads.Post(Uploads.TestCard, events: true), HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var progress = new List<(int Done, int Total)>();
        JsonElement? result = null;
        await foreach (var (name, data) in Uploads.EventsAsync(response))
        {
            if (name == "progress") progress.Add((data.GetProperty("done").GetInt32(), data.GetProperty("total").GetInt32()));
            else if (name == "result") result = data;
            else Assert.Fail($"unexpected event {name}: {data}");
        }
        output.WriteLine($"{progress.Count} progress events: {string.Join(" ", progress.Select(p => p.Done))} of {progress[0].Total}");
        Assert.NotEmpty(progress);
        Assert.True(progress.Select(p => p.Done).SequenceEqual(progress.Select(p => p.Done).Order()), "tiles done never go back");
        Assert.Equal(progress[^1].Total, progress[^1].Done);
        Assert.NotNull(result);
        Assert.Equal((480, 320), (result.Value.GetProperty("width").GetInt32(), result.Value.GetProperty("height").GetInt32()));
        Assert.Equal(service.Host.Expected(Uploads.TestCard), Convert.FromBase64String(result.Value.GetProperty("image").GetString()!));
    }

    [Theory]
    [InlineData("scale=5", "scale must be one of 2, got '5'.")]
    [InlineData("scale=two", "scale must be one of 2, got 'two'.")]
    [InlineData("scale=2&format=gif", "format must be png, jpeg or webp, got 'gif'.")]
    public async Task AQueryItCannotServe_Is400_SayingWhatItCan(string query, string detail)
    {
        using var response = await _client.SendAsync(Uploads.Post(Small, query));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(detail, await Uploads.DetailAsync(response));
    }

    [Fact]
    public async Task ABodyOverTheByteLimit_Is413_WhetherItsLengthIsDeclaredOrNot()
    {
        var tooLong = new byte[OneWorkerService.MaxRequestBytes + 1];
        using (var declared = await _client.SendAsync(Uploads.Post(tooLong)))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
            Assert.Equal("The upload is 300,001 bytes, more than the limit of 300,000 bytes (Upscaling:MaxRequestBytes).", await Uploads.DetailAsync(declared));
        }
        var chunked = Uploads.Post([]);
        chunked.Content = new StreamContent(new MemoryStream(tooLong)); // no Content-Length: sent chunked
        chunked.Headers.TransferEncodingChunked = true;
        using var undeclared = await _client.SendAsync(chunked);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, undeclared.StatusCode);
        Assert.Contains("larger than the limit of 300,000 bytes (Upscaling:MaxRequestBytes)", await Uploads.DetailAsync(undeclared));
    }

    [Fact]
    public async Task AMultipartBodyOverTheByteLimit_Is413_HoweverManyPartsItHas()
    {
        using var form = new MultipartFormDataContent();
        for (int i = 0; i < 4; i++)
            form.Add(new ByteArrayContent(new byte[OneWorkerService.MaxRequestBytes / 3]), "padding" + i);
        var request = new HttpRequestMessage(HttpMethod.Post, "/upscale?scale=2") { Content = new StreamContent(await form.ReadAsStreamAsync()) };
        request.Content.Headers.ContentType = form.Headers.ContentType;
        request.Headers.TransferEncodingChunked = true; // no Content-Length, so only the reader can count
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("(Upscaling:MaxRequestBytes)", await Uploads.DetailAsync(response));
    }

    [Theory]
    [InlineData("multipart/form-data; boundary=\"b\"", "--b\r\nno header colon\r\n\r\nx\r\n--b--\r\n", "The multipart form is malformed")]
    [InlineData("multipart/form-data; boundary=\"b\"", "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.png\"\r\n\r\nunfinished", "The multipart form is malformed")]
    [InlineData("multipart/form-data", "--b--\r\n", "needs a boundary of 1 to 70 characters")]
    [InlineData("multipart/form-data; boundary=\"b\"", "--b\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--b--\r\n", "has no file")]
    public async Task AMalformedMultipartBody_Is400_SayingWhatIsWrong(string contentType, string body, string reason)
    {
        var content = new StringContent(body);
        content.Headers.Remove("Content-Type");
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await _client.PostAsync("/upscale?scale=2", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await Uploads.DetailAsync(response));
    }

    [Fact]
    public async Task AnImageOverThePixelLimit_Is413_FromItsHeader()
    {
        byte[] bomb = HostileFiles.PngDeclaring(60000, 60000);
        using var response = await _client.SendAsync(Uploads.Post(bomb));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        string detail = await Uploads.DetailAsync(response);
        Assert.Contains("60000x60000 = 3,600,000,000 pixels, more than the limit of 100,000 (Upscaling:MaxInputPixels); it was not decoded", detail);
    }

    public static TheoryData<string, byte[], HttpStatusCode, string> BadFiles => new()
    {
        { "text", "not an image at all"u8.ToArray(), HttpStatusCode.UnsupportedMediaType, "is not an image of a format this library reads" },
        { "truncated PNG", HostileFiles.Truncated("head.png", 0.5), HttpStatusCode.UnprocessableEntity, "is truncated" },
        { "animated GIF", HostileFiles.AnimatedGif(3), HttpStatusCode.UnprocessableEntity, "is an animation of 3 frames" },
        { "nothing", [], HttpStatusCode.BadRequest, "The request has no image" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task AFileThatIsNotAStillImage_IsRefusedSayingWhy(string what, byte[] body, HttpStatusCode status, string reason)
    {
        using var response = await _client.SendAsync(Uploads.Post(body));
        Assert.True(status == response.StatusCode, $"{what}: {response.StatusCode}");
        Assert.Contains(reason, await Uploads.DetailAsync(response));
    }

    [Fact]
    public async Task AFullService_Is503WithRetryAfter_AndAClientThatLeavesFreesItsWorkerWithinATile()
    {
        var first = await LeavingClient.UploadAsync(service.Host, Uploads.TestCard);
        var progress = await first.NextEventAsync();
        Assert.Equal("progress", progress?.Name); // the only worker is busy with it now
        int total = progress!.Value.Data.GetProperty("total").GetInt32();

        using (var refused = await _client.SendAsync(Uploads.Post(Small)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(7), refused.Headers.RetryAfter?.Delta);
            Assert.Equal("All 1 workers are busy and 0 images wait: try again in 7 s.", await Uploads.DetailAsync(refused));
        }

        await first.DisposeAsync();
        var freed = await service.Host.WaitUntilIdleAsync(TimeSpan.FromSeconds(10));
        output.WriteLine($"worker free {freed.TotalMilliseconds:F0} ms after the client left");
        var cancelledLines = service.Host.Log.Where(line => line.Contains("Cancelled upload x2 by the client")).ToList();
        Assert.True(cancelledLines.Count == 1, string.Join('\n', service.Host.Log));
        string cancelled = cancelledLines[0];
        Assert.Contains($"of {total} tiles", cancelled);
        Assert.DoesNotContain($"after {total} of", cancelled);

        using var next = await _client.SendAsync(Uploads.Post(Small));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }
}
