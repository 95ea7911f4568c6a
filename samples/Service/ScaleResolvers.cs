using MLNet.SuperRes;

namespace Service;

/// <summary>
/// One <see cref="SuperResolver"/> per served scale, opened once at start and shared by every worker
/// (<see cref="SuperResolver.Upscale(MLImage, IProgress{SuperResolutionProgress}?, CancellationToken)"/> is thread-safe).
/// </summary>
internal sealed class ScaleResolvers : IDisposable
{
    private readonly Dictionary<int, SuperResolver> _resolvers = [];

    public ScaleResolvers(UpscalingSettings settings, ILogger<ScaleResolvers> logger)
    {
        try
        {
            foreach (int scale in settings.ServedScales)
            {
                var options = settings.OptionsFor(scale);
                var resolver = new SuperResolver(options);
                _resolvers.Add(scale, resolver);
                logger.LogInformation("x{Scale}: {Model} on {Provider}, tiles of {TileSize}, {Threads} thread(s) an image",
                    scale, options.ModelPath ?? $"the embedded default ({settings.Precision})",
                    resolver.ExecutionProvider, resolver.TileSize, settings.ThreadsPerWorker);
                if (resolver.CudaFailure is string cuda && settings.Provider == "auto")
                    logger.LogInformation("CUDA did not start, so the CPU is used ({Reason}); set Upscaling:Provider to cuda to make that an error", cuda);
                if (resolver.AttentionKernelFailure is string kernel)
                    logger.LogWarning("x{Scale}: the attention kernel is not used: {Reason}", scale, kernel);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public IReadOnlyCollection<int> Scales => _resolvers.Keys;

    public string ExecutionProvider => _resolvers.Values.First().ExecutionProvider;

    public bool TryGet(int scale, out SuperResolver resolver) => _resolvers.TryGetValue(scale, out resolver!);

    public void Dispose()
    {
        foreach (var resolver in _resolvers.Values)
            resolver.Dispose();
        _resolvers.Clear();
    }
}
