using System.Collections.Concurrent;
using Microsoft.ML.Data;
using MLNet.SuperRes;

namespace Service;

/// <summary>An upscaled image, encoded.</summary>
internal sealed record EncodedImage(byte[] Bytes, int Width, int Height, OutputFormat Format);

/// <summary>One image to upscale, from admission to its encoded result.</summary>
internal sealed class UpscaleJob
{
    private const int Queued = 0, Running = 1, Cancelled = 2;
    private int _state = Queued;
    private CancellationTokenRegistration _whileQueued;

    /// <param name="cancellation">
    /// The request's: a client that goes away cancels the job, at once while it waits, within one tile while it runs.
    /// </param>
    public UpscaleJob(MLImage image, ImageMetadata metadata, SuperResolver resolver, OutputFormat format, int quality,
        IProgress<SuperResolutionProgress> progress, CancellationToken cancellation)
    {
        Image = image;
        Metadata = metadata;
        Resolver = resolver;
        Format = format;
        Quality = quality;
        Progress = progress;
        Cancellation = cancellation;
        _whileQueued = cancellation.Register(() =>
        {
            if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
                Result.TrySetCanceled(cancellation);
        });
    }

    public MLImage Image { get; }

    /// <summary>The upload's colour profile and EXIF, for the answer.</summary>
    public ImageMetadata Metadata { get; }
    public SuperResolver Resolver { get; }
    public OutputFormat Format { get; }
    public int Quality { get; }
    public IProgress<SuperResolutionProgress> Progress { get; }
    public CancellationToken Cancellation { get; }

    /// <summary>Completes with the encoded image, as cancelled, or with the failure; the image is no longer read after.</summary>
    public TaskCompletionSource<EncodedImage> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DateTime QueuedAt { get; } = DateTime.UtcNow;
    public DateTime StartedAt { get; private set; }
    public DateTime FinishedAt { get; private set; }

    /// <summary>Runs the job on the calling worker, unless its client left while it waited.</summary>
    public void Run()
    {
        _whileQueued.Dispose(); // waits for a callback in flight, so the state below is final
        if (Interlocked.CompareExchange(ref _state, Running, Queued) != Queued)
            return;
        StartedAt = DateTime.UtcNow;
        try
        {
            using var output = Resolver.Upscale(Image, Progress, Cancellation);
            using var encoded = new MemoryStream();
            ImageFiles.Save(output, encoded, Format.Extension, Metadata, Quality);
            FinishedAt = DateTime.UtcNow;
            Result.TrySetResult(new EncodedImage(encoded.ToArray(), output.Width, output.Height, Format));
        }
        catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
        {
            Result.TrySetCanceled(Cancellation);
        }
        catch (Exception e)
        {
            Result.TrySetException(e);
        }
    }
}

/// <summary>
/// A bounded queue of images and the workers that upscale them. A request first takes a place
/// (<see cref="TryAdmit"/>), before its body is read: at most Workers + QueueLength requests hold an image at
/// once, and the rest are answered 503 at once, so memory stays bounded however many clients call.
/// </summary>
internal sealed class UpscaleQueue : IHostedService
{
    private readonly BlockingCollection<UpscaleJob> _waiting = new(new ConcurrentQueue<UpscaleJob>());
    private readonly SemaphoreSlim _places;
    private readonly Thread[] _workers;
    private int _running;

    public UpscaleQueue(UpscalingSettings settings)
    {
        Capacity = settings.WorkerCount + settings.QueueLength;
        _places = new SemaphoreSlim(Capacity, Capacity);
        // Dedicated threads: an upscale is seconds of CPU work that would starve the thread pool serving requests.
        _workers = Enumerable.Range(0, settings.WorkerCount)
            .Select(i => new Thread(Work) { IsBackground = true, Name = $"upscale worker {i + 1}" })
            .ToArray();
    }

    /// <summary>Workers plus queue length: how many requests may hold an image at once.</summary>
    public int Capacity { get; }

    public int Workers => _workers.Length;

    /// <summary>Requests admitted and not yet finished (reading, waiting, running or answering).</summary>
    public int Admitted => Capacity - _places.CurrentCount;

    public int Running => Volatile.Read(ref _running);

    /// <summary>Jobs queued for a worker (those cancelled while they wait among them, until a worker passes them).</summary>
    public int Waiting => _waiting.Count;

    /// <summary>A place for one request, or null when all are taken; disposing it gives the place back.</summary>
    public IDisposable? TryAdmit() => _places.Wait(0) ? new Place(_places) : null;

    /// <summary>Queues a job of an admitted request.</summary>
    internal void Enqueue(UpscaleJob job)
    {
        try
        {
            _waiting.Add(job);
        }
        catch (InvalidOperationException)
        {
            job.Result.TrySetException(new RequestRefusedException(StatusCodes.Status503ServiceUnavailable, "The service is stopping."));
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var worker in _workers)
            worker.Start();
        return Task.CompletedTask;
    }

    /// <summary>Takes no more jobs; the workers finish theirs (the host cancels their requests as it stops).</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _waiting.CompleteAdding();
        return Task.WhenAll(_workers.Select(worker => Task.Run(() => worker.Join(), CancellationToken.None))).WaitAsync(cancellationToken);
    }

    private void Work()
    {
        foreach (var job in _waiting.GetConsumingEnumerable())
        {
            Interlocked.Increment(ref _running);
            try { job.Run(); }
            finally { Interlocked.Decrement(ref _running); }
        }
    }

    private sealed class Place(SemaphoreSlim places) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                places.Release();
        }
    }
}
