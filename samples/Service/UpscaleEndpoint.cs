using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.ML.Data;
using MLNet.SuperRes;

namespace Service;

/// <summary>
/// <c>POST /upscale?scale=2|3|4[&amp;format=png|jpeg|webp]</c>: the image as the body or a multipart file, the upscaled
/// image back. With <c>Accept: text/event-stream</c> the answer is server-sent events instead: <c>progress</c>
/// (tiles done of all) while it runs, then <c>result</c> (size, type and the image in base64) or <c>error</c>.
/// </summary>
internal static class UpscaleEndpoint
{
    public static async Task HandleAsync(HttpContext context, ScaleResolvers resolvers, UpscaleQueue queue,
        UpscalingSettings settings, ILoggerFactory logging)
    {
        var logger = logging.CreateLogger("Service.Upscale");
        var request = context.Request;
        var aborted = context.RequestAborted;
        try
        {
            var (resolver, scale) = ScaleOf(request, resolvers);
            var format = FormatOf(request);
            bool events = request.Headers.Accept.Any(a => a?.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase) == true);
            ImageUpload.CheckDeclaredLength(request, settings.MaxRequestBytes);

            using var place = queue.TryAdmit();
            if (place is null)
            {
                context.Response.Headers.RetryAfter = settings.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                throw new RequestRefusedException(StatusCodes.Status503ServiceUnavailable, string.Create(CultureInfo.InvariantCulture,
                    $"All {queue.Workers} workers are busy and {settings.QueueLength} images wait: try again in {settings.RetryAfterSeconds} s."));
            }

            var (bytes, name) = await ImageUpload.ReadAsync(request, settings.MaxRequestBytes, TimeSpan.FromSeconds(settings.UploadTimeoutSeconds), aborted);
            long byteCount = bytes.Length;
            MLImage image;
            ImageMetadata metadata;
            using (bytes)
                (image, metadata) = Decode(bytes, name, settings.MaxInputPixels);
            using (image)
            {
                var progress = new TileProgress();
                var job = new UpscaleJob(image, settings.StripMetadata ? metadata.WithoutExif() : metadata, resolver, format, settings.Quality,
                    progress, aborted);
                _ = job.Result.Task.ContinueWith(_ => progress.Complete(), TaskScheduler.Default);
                queue.Enqueue(job);
                try
                {
                    if (events)
                        await StreamEventsAsync(context, job, progress);
                    else
                        await AnswerImageAsync(context, job);
                }
                finally
                {
                    // Whatever happened to the answer, the worker is done with the image before it is disposed.
                    await job.Result.Task.ContinueWith(_ => { }, TaskScheduler.Default);
                    Log(logger, job, progress, name, byteCount, scale);
                }
            }
        }
        catch (RequestRefusedException e)
        {
            logger.LogInformation("Refused {Status}: {Reason}", e.StatusCode, e.Message);
            if (!context.Response.HasStarted)
                await Results.Problem(detail: e.Message, statusCode: e.StatusCode).ExecuteAsync(context);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away; a job it had is logged above.
        }
    }

    private static void Log(ILogger logger, UpscaleJob job, TileProgress progress, string name, long bytes, int scale)
    {
        var task = job.Result.Task;
        if (task.IsCompletedSuccessfully)
            logger.LogInformation(
                "Upscaled {Name} ({Bytes} bytes, {Width}x{Height}) x{Scale} to {Format}: {Tiles} tiles, waited {WaitMs:F0} ms, ran {RunMs:F0} ms",
                name, bytes, job.Image.Width, job.Image.Height, scale, job.Format.Extension, progress.Last?.TileCount ?? 0,
                (job.StartedAt - job.QueuedAt).TotalMilliseconds, (job.FinishedAt - job.StartedAt).TotalMilliseconds);
        else if (task.IsCanceled && progress.Last is { } last)
            logger.LogInformation("Cancelled {Name} x{Scale} by the client after {Done} of {Tiles} tiles", name, scale, last.TilesDone, last.TileCount);
        else if (task.IsCanceled)
            logger.LogInformation("Cancelled {Name} x{Scale} by the client while it waited for a worker", name, scale);
        else
            logger.LogError(task.Exception?.InnerException, "Upscaling {Name} ({Bytes} bytes, {Width}x{Height}) x{Scale} failed after {Done} of {Tiles} tiles",
                name, bytes, job.Image.Width, job.Image.Height, scale, progress.Last?.TilesDone ?? 0, progress.Last?.TileCount ?? 0);
    }

    private static (SuperResolver, int) ScaleOf(HttpRequest request, ScaleResolvers resolvers)
    {
        string text = request.Query["scale"].ToString();
        int scale = resolvers.Scales.Min();
        bool named = text.Length == 0 || int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out scale);
        if (!named || !resolvers.TryGet(scale, out var resolver))
            throw new RequestRefusedException(StatusCodes.Status400BadRequest,
                $"scale must be one of {string.Join(", ", resolvers.Scales.Order())}, got '{text}'.");
        return (resolver, scale);
    }

    private static OutputFormat FormatOf(HttpRequest request)
    {
        string text = request.Query["format"].ToString();
        if (text.Length == 0)
            return OutputFormat.Png;
        return OutputFormat.TryParse(text, out var format) ? format
            : throw new RequestRefusedException(StatusCodes.Status400BadRequest, $"format must be png, jpeg or webp, got '{text}'.");
    }

    /// <summary>
    /// From the header: not an image 415, too many pixels 413; then the decode: damaged or animated 422. The colour profile
    /// and EXIF come with the image, for its answer.
    /// </summary>
    private static (MLImage, ImageMetadata) Decode(Stream bytes, string name, long maxPixels)
    {
        ImageFileInfo info;
        try
        {
            info = ImageFiles.Identify(bytes, name);
        }
        catch (InvalidDataException e)
        {
            throw new RequestRefusedException(e.Message.Contains("truncated") ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status415UnsupportedMediaType, e.Message);
        }
        if (info.Pixels > maxPixels)
            throw new RequestRefusedException(StatusCodes.Status413PayloadTooLarge, string.Create(CultureInfo.InvariantCulture,
                $"'{name}' is {info.Width}x{info.Height} = {info.Pixels:N0} pixels, more than the limit of {maxPixels:N0} (Upscaling:MaxInputPixels); it was not decoded."));
        try
        {
            var metadata = ImageFiles.ReadMetadata(bytes, name);
            bytes.Position = 0;
            return (ImageFiles.Load(bytes, name, maxPixels), metadata);
        }
        catch (InvalidDataException e)
        {
            throw new RequestRefusedException(StatusCodes.Status422UnprocessableEntity, e.Message);
        }
    }

    private static async Task AnswerImageAsync(HttpContext context, UpscaleJob job)
    {
        EncodedImage result;
        try
        {
            result = await job.Result.Task;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the client is gone: nobody to answer
        }
        catch (Exception e) when (e is not RequestRefusedException)
        {
            await Results.Problem(detail: FailureMessage, statusCode: StatusCodes.Status500InternalServerError).ExecuteAsync(context);
            return;
        }
        context.Response.ContentType = result.Format.ContentType;
        context.Response.ContentLength = result.Bytes.Length;
        await context.Response.Body.WriteAsync(result.Bytes, context.RequestAborted);
    }

    private static async Task StreamEventsAsync(HttpContext context, UpscaleJob job, TileProgress progress)
    {
        var response = context.Response;
        var aborted = context.RequestAborted;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        await response.Body.FlushAsync(aborted);
        // The newest progress only: a slow reader misses tiles, never the end. The reader completes with the job.
        await foreach (var update in progress.Updates.ReadAllAsync(aborted))
            await WriteEventAsync(response, "progress", JsonSerializer.Serialize(new { done = update.TilesDone, total = update.TileCount }), aborted);

        EncodedImage result;
        try
        {
            result = await job.Result.Task;
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e)
        {
            int status = e is RequestRefusedException refused ? refused.StatusCode : StatusCodes.Status500InternalServerError;
            string message = e is RequestRefusedException ? e.Message : FailureMessage;
            await WriteEventAsync(response, "error", JsonSerializer.Serialize(new { status, message }), aborted);
            return;
        }

        // The image goes out in base64 straight from its bytes, without a string of it in between.
        string head = JsonSerializer.Serialize(new { width = result.Width, height = result.Height, contentType = result.Format.ContentType, extension = result.Format.Extension });
        await response.WriteAsync($"event: result\ndata: {head[..^1]},\"image\":\"", aborted);
        var chunk = new byte[Base64.GetMaxEncodedToUtf8Length(48 * 1024)];
        for (int offset = 0; offset < result.Bytes.Length; offset += 48 * 1024)
        {
            var part = result.Bytes.AsSpan(offset, Math.Min(48 * 1024, result.Bytes.Length - offset));
            Base64.EncodeToUtf8(part, chunk, out _, out int written);
            await response.Body.WriteAsync(chunk.AsMemory(0, written), aborted);
        }
        await response.WriteAsync("\"}\n\n", aborted);
        await response.Body.FlushAsync(aborted);
    }

    private const string FailureMessage = "Upscaling failed on the server; its log says why.";

    private static async Task WriteEventAsync(HttpResponse response, string name, string json, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"event: {name}\ndata: {json}\n\n", Encoding.UTF8, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>Hears each finished tile on the worker's thread: keeps the last for the log and passes the newest on.</summary>
    private sealed class TileProgress : IProgress<SuperResolutionProgress>
    {
        private readonly Channel<SuperResolutionProgress> _channel =
            Channel.CreateBounded<SuperResolutionProgress>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
        private SuperResolutionProgress? _last;

        public ChannelReader<SuperResolutionProgress> Updates => _channel.Reader;

        public SuperResolutionProgress? Last => Volatile.Read(ref _last);

        public void Report(SuperResolutionProgress value)
        {
            Volatile.Write(ref _last, value);
            _channel.Writer.TryWrite(value);
        }

        public void Complete() => _channel.Writer.TryComplete();
    }
}
