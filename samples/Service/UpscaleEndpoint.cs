using Microsoft.ML.Data;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using MLNet.SuperRes;

namespace Service;

/// <summary>
/// <c>POST /upscale?scale=2|3|4[&amp;format=png|jpeg|webp]</c>: the image as the body or a multipart file, the upscaled
/// image back. With <c>Accept: text/event-stream</c> the answer is server-sent events instead: <c>progress</c>
/// (tiles done of all) while it runs, then <c>result</c> (size, type and the image in base64) or <c>error</c>.
/// </summary>
public static class UpscaleEndpoint
{
    private static readonly Dictionary<string, (string Extension, string ContentType)> Formats = new(StringComparer.OrdinalIgnoreCase)
    {
        ["png"] = (".png", "image/png"),
        ["jpeg"] = (".jpg", "image/jpeg"),
        ["jpg"] = (".jpg", "image/jpeg"),
        ["webp"] = (".webp", "image/webp"),
    };

    public static async Task HandleAsync(HttpContext context, ScaleResolvers resolvers, UpscaleQueue queue,
        UpscalingSettings settings, ILogger<UpscaleQueue> logger)
    {
        var request = context.Request;
        try
        {
            var (resolver, scale) = ScaleOf(request, resolvers);
            var format = FormatOf(request);
            bool events = request.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true);

            using var place = queue.TryAdmit();
            if (place is null)
            {
                context.Response.Headers.RetryAfter = settings.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                throw new RequestRefusedException(StatusCodes.Status503ServiceUnavailable, string.Create(CultureInfo.InvariantCulture,
                    $"All {queue.Workers} workers are busy and {settings.QueueLength} images wait: try again in {settings.RetryAfterSeconds} s."));
            }

            var (bytes, name) = await ImageUpload.ReadAsync(request, settings.MaxRequestBytes, context.RequestAborted);
            long byteCount = bytes.Length;
            MLImage image;
            using (bytes)
                image = Decode(bytes, name, settings.MaxInputPixels);
            using (image)
            {
                var progress = new TileProgress(events);
                var job = new UpscaleJob(image, resolver, progress, context.RequestAborted);
                queue.Enqueue(job);
                if (events)
                    await StreamEventsAsync(context, job, progress, format, settings.Quality);
                else
                    await AnswerImageAsync(context, job, format, settings.Quality);
                if (job.Result.Task.IsCompletedSuccessfully)
                    logger.LogInformation(
                        "Upscaled {Name} ({Bytes} bytes, {Width}x{Height}) x{Scale} to {Format}: {Tiles} tiles, waited {WaitMs:F0} ms, ran {RunMs:F0} ms",
                        name, byteCount, image.Width, image.Height, scale, format.Extension, progress.Last?.TileCount ?? 0,
                        (job.StartedAt - job.QueuedAt).TotalMilliseconds, (DateTime.UtcNow - job.StartedAt).TotalMilliseconds);
                else if (job.Result.Task.IsCanceled)
                    logger.LogInformation("Cancelled {Name} x{Scale} by the client after {Done} of {Tiles} tiles",
                        name, scale, progress.Last?.TilesDone ?? 0, progress.Last?.TileCount ?? 0);
            }
        }
        catch (RequestRefusedException e)
        {
            logger.LogInformation("Refused {Status}: {Reason}", e.StatusCode, e.Message);
            if (!context.Response.HasStarted)
                await Results.Problem(detail: e.Message, statusCode: e.StatusCode).ExecuteAsync(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            logger.LogInformation("The client went away before its image was read");
        }
    }

    private static (SuperResolver, int) ScaleOf(HttpRequest request, ScaleResolvers resolvers)
    {
        string text = request.Query["scale"].ToString();
        int scale = text.Length == 0 ? resolvers.Scales.Min() : -1;
        if (text.Length > 0 && !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out scale) || !resolvers.TryGet(scale, out var resolver))
            throw new RequestRefusedException(StatusCodes.Status400BadRequest,
                $"scale must be one of {string.Join(", ", resolvers.Scales.Order())}, got '{text}'.");
        return (resolver, scale);
    }

    private static (string Extension, string ContentType) FormatOf(HttpRequest request)
    {
        string text = request.Query["format"].ToString();
        if (text.Length == 0)
            return Formats["png"];
        return Formats.TryGetValue(text, out var format) ? format
            : throw new RequestRefusedException(StatusCodes.Status400BadRequest, $"format must be png, jpeg or webp, got '{text}'.");
    }

    /// <summary>From the header: not an image 415, too many pixels 413, an animation 422; then the decode: damaged 422.</summary>
    private static MLImage Decode(Stream bytes, string name, long maxPixels)
    {
        ImageFileInfo info;
        try
        {
            info = ImageFiles.Identify(bytes, name);
        }
        catch (InvalidDataException e)
        {
            throw new RequestRefusedException(StatusCodes.Status415UnsupportedMediaType, e.Message);
        }
        if (info.Pixels > maxPixels)
            throw new RequestRefusedException(StatusCodes.Status413PayloadTooLarge, string.Create(CultureInfo.InvariantCulture,
                $"'{name}' is {info.Width}x{info.Height} = {info.Pixels:N0} pixels, more than the limit of {maxPixels:N0} (Upscaling:MaxInputPixels); it was not decoded."));
        try
        {
            return ImageFiles.Load(bytes, name, maxPixels);
        }
        catch (InvalidDataException e)
        {
            throw new RequestRefusedException(StatusCodes.Status422UnprocessableEntity, e.Message);
        }
    }

    private static async Task AnswerImageAsync(HttpContext context, UpscaleJob job, (string Extension, string ContentType) format, int quality)
    {
        MLImage output;
        try
        {
            output = await job.Result.Task;
        }
        catch (OperationCanceledException)
        {
            return; // the client is gone: nobody to answer
        }
        using (output)
        {
            using var encoded = new MemoryStream();
            ImageFiles.Save(output, encoded, format.Extension, quality);
            context.Response.ContentType = format.ContentType;
            context.Response.ContentLength = encoded.Length;
            await context.Response.Body.WriteAsync(encoded.GetBuffer().AsMemory(0, (int)encoded.Length), context.RequestAborted);
        }
    }

    private static async Task StreamEventsAsync(HttpContext context, UpscaleJob job, TileProgress progress,
        (string Extension, string ContentType) format, int quality)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        try
        {
            await response.Body.FlushAsync(context.RequestAborted);
            var result = job.Result.Task;
            while (!result.IsCompleted)
            {
                await Task.WhenAny(result, progress.Updates!.WaitToReadAsync(context.RequestAborted).AsTask());
                while (progress.Updates!.TryRead(out var update))
                    await WriteEventAsync(response, "progress", new { done = update.TilesDone, total = update.TileCount }, context.RequestAborted);
            }

            MLImage output;
            try
            {
                output = await result;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                await WriteEventAsync(response, "error", new { status = 500, message = e.Message }, context.RequestAborted);
                throw;
            }
            using (output)
            {
                using var encoded = new MemoryStream();
                ImageFiles.Save(output, encoded, format.Extension, quality);
                await WriteEventAsync(response, "result", new
                {
                    width = output.Width,
                    height = output.Height,
                    contentType = format.ContentType,
                    extension = format.Extension,
                    image = Convert.ToBase64String(encoded.GetBuffer(), 0, (int)encoded.Length),
                }, context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            await job.Result.Task.ContinueWith(t => { if (t.IsCompletedSuccessfully) t.Result.Dispose(); }, TaskScheduler.Default);
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, string name, object data, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"event: {name}\ndata: {JsonSerializer.Serialize(data)}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>Hears each finished tile on the worker's thread: keeps the last for the log and, for events, passes the newest on.</summary>
    private sealed class TileProgress(bool events) : IProgress<SuperResolutionProgress>
    {
        private SuperResolutionProgress? _last;

        public ChannelReader<SuperResolutionProgress>? Updates => _channel?.Reader;

        private readonly Channel<SuperResolutionProgress>? _channel = events
            ? Channel.CreateBounded<SuperResolutionProgress>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest })
            : null;

        public SuperResolutionProgress? Last => Volatile.Read(ref _last);

        public void Report(SuperResolutionProgress value)
        {
            Volatile.Write(ref _last, value);
            _channel?.Writer.TryWrite(value);
        }
    }
}
