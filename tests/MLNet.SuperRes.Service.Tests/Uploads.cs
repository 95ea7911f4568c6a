using System.Net.Http.Headers;
using System.Text.Json;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace MLNet.SuperRes.Service.Tests;

/// <summary>Images to upload, what the library itself makes of them, and the requests that carry them.</summary>
public static class Uploads
{
    public static string TestCardPath => Path.Combine(SharedData.RepoRoot, "samples", "Upscale", "images", "test-card.png");

    public static byte[] TestCard { get; } = File.ReadAllBytes(TestCardPath);

    /// <summary>A PNG of a region of the test card (240x160).</summary>
    public static byte[] Crop(int x, int y, int width, int height)
    {
        using var card = Image.Load<Rgba32>(TestCard);
        using var crop = card.Clone(m => m.Crop(new Rectangle(x, y, width, height)));
        using var png = new MemoryStream();
        crop.SaveAsPng(png);
        return png.ToArray();
    }

    public static HttpRequestMessage Post(byte[] body, string query = "scale=2", bool events = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/upscale?" + query) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        if (events)
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return request;
    }

    /// <summary>The server-sent events of a response, as they come.</summary>
    public static async IAsyncEnumerable<(string Name, JsonElement Data)> EventsAsync(HttpResponseMessage response,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        string? name = null;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
                name = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && name is not null)
            {
                yield return (name, JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone());
                name = null;
            }
        }
    }

    /// <summary>The detail of a problem response.</summary>
    public static async Task<string> DetailAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;
}
