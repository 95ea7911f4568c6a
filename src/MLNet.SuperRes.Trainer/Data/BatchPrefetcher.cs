using System.Collections.Concurrent;

namespace MLNet.SuperRes.Trainer.Data;

/// <summary>Builds upcoming batches on background threads, in order, so the device never waits for data.</summary>
public sealed class BatchPrefetcher : IDisposable
{
    private readonly BlockingCollection<Task<PatchBatch>> queue;
    private readonly CancellationTokenSource cancel = new();
    private readonly Task producer;

    public BatchPrefetcher(TrainingSet set, long firstIteration, long lastIteration, int batchSize, int patchSize, int seed, int threads)
    {
        queue = new BlockingCollection<Task<PatchBatch>>(boundedCapacity: Math.Max(2, threads * 2));
        var gate = new SemaphoreSlim(Math.Max(1, threads));
        producer = Task.Run(() =>
        {
            try
            {
                for (long i = firstIteration; i <= lastIteration && !cancel.IsCancellationRequested; i++)
                {
                    long iteration = i;
                    gate.Wait(cancel.Token);
                    var work = Task.Run(() =>
                    {
                        try { return set.Sample(iteration, batchSize, patchSize, seed); }
                        finally { gate.Release(); }
                    });
                    queue.Add(work, cancel.Token);
                }
            }
            catch (OperationCanceledException) { }
            finally { queue.CompleteAdding(); }
        });
    }

    /// <summary>The next batch in iteration order.</summary>
    public PatchBatch Next() => queue.Take().GetAwaiter().GetResult();

    public void Dispose()
    {
        cancel.Cancel();
        while (queue.TryTake(out _)) { }
        try { producer.Wait(); } catch (AggregateException) { }
        cancel.Dispose();
    }
}
