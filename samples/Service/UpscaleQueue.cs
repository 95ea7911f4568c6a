using Microsoft.ML.Data;
using System.Collections.Concurrent;
using MLNet.SuperRes;

namespace Service;

/// <summary>One image to upscale, from admission to its result.</summary>
public sealed class UpscaleJob(MLImage image, SuperResolver resolver, IProgress<SuperResolutionProgress>? progress, CancellationToken cancellation)
{
    public MLImage Image { get; } = image;
    public SuperResolver Resolver { get; } = resolver;
    public IProgress<SuperResolutionProgress>? Progress { get; } = progress;

    /// <summary>The request's: a client that goes away cancels the job, waiting or running (within one tile).</summary>
    public CancellationToken Cancellation { get; } = cancellation;

    /// <summary>Completes with the upscaled image (the waiter disposes it), or as cancelled, or with the failure.</summary>
    public TaskCompletionSource<MLImage> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DateTime QueuedAt { get; } = DateTime.UtcNow;
    public DateTime StartedAt { get; internal set; }
}

/// <summary>
/// A bounded queue of images and the workers that upscale them. A request first takes a place
/// (<see cref="TryAdmit"/>), before its body is read: at most Workers + QueueLength requests hold an image at
/// once, and the rest are answered 503 at once, so memory stays bounded however many clients call.
/// </summary>
public sealed class UpscaleQueue : IHostedService, IDisposable
{
    private readonly BlockingCollection<UpscaleJob> _waiting = new(new ConcurrentQueue<UpscaleJob>());
    private readonly SemaphoreSlim _places;
    private readonly Thread[] _workers;
    private readonly ILogger<UpscaleQueue> _logger;
    private int _running;

    public UpscaleQueue(UpscalingSettings settings, ILogger<UpscaleQueue> logger)
    {
        _logger = logger;
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

    /// <summary>Requests admitted and not yet finished (reading, waiting or running).</summary>
    public int Admitted => Capacity - _places.CurrentCount;

    public int Running => Volatile.Read(ref _running);

    /// <summary>A place for one request, or null when all are taken; disposing it gives the place back.</summary>
    public IDisposable? TryAdmit() => _places.Wait(0) ? new Place(_places) : null;

    /// <summary>Queues a job of an admitted request.</summary>
    public void Enqueue(UpscaleJob job)
    {
        if (!_waiting.TryAdd(job))
            job.Result.TrySetException(new InvalidOperationException("The service is stopping."));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var worker in _workers)
            worker.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _waiting.CompleteAdding();
        foreach (var worker in _workers)
            if (worker.IsAlive && !worker.Join(TimeSpan.FromSeconds(30)))
                _logger.LogWarning("{Worker} did not stop within 30 s", worker.Name);
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _waiting.Dispose();
        _places.Dispose();
    }

    private void Work()
    {
        foreach (var job in _waiting.GetConsumingEnumerable())
        {
            if (job.Cancellation.IsCancellationRequested)
            {
                job.Result.TrySetCanceled(job.Cancellation);
                continue;
            }
            Interlocked.Increment(ref _running);
            try
            {
                job.StartedAt = DateTime.UtcNow;
                job.Result.TrySetResult(job.Resolver.Upscale(job.Image, job.Progress, job.Cancellation));
            }
            catch (OperationCanceledException) when (job.Cancellation.IsCancellationRequested)
            {
                job.Result.TrySetCanceled(job.Cancellation);
            }
            catch (Exception e)
            {
                job.Result.TrySetException(e);
            }
            finally
            {
                Interlocked.Decrement(ref _running);
            }
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
