using Microsoft.ML.Data;
using MLNet.SuperRes;
using MLNet.SuperRes.Evaluation.Images;

namespace MLNet.SuperRes.Evaluation;

/// <summary>
/// Scores an exported ONNX model exactly as users run it: through the runtime's SuperResolver
/// (ONNX Runtime, tiled and blended, 8-bit output).
/// </summary>
public sealed class OnnxModelUpscaler : IUpscaler, IDisposable
{
    private readonly SuperResolver _resolver;

    /// <param name="model">An .onnx file, or "default" for the embedded default model of <paramref name="scale"/>.</param>
    /// <param name="selfEnsemble">Average the x8 flips and transposes as <see cref="SuperResolutionOptions.SelfEnsemble"/> does.</param>
    /// <param name="tiling">Exactly these tiles (<see cref="TilePlan.Exactly"/>); null tiles as SuperResolve does by default (the model decides).</param>
    /// <param name="precision">Which embedded default runs for "default" (<see cref="SuperResolutionOptions.DefaultModelPrecision"/>); float32 for a file.</param>
    public OnnxModelUpscaler(string model, int scale, TilePlan? tiling = null, bool selfEnsemble = false, ModelPrecision precision = ModelPrecision.Float32)
        : this(Options(model, scale, tiling, selfEnsemble, precision))
    {
    }

    /// <summary>Scores the resolver these options describe.</summary>
    public OnnxModelUpscaler(SuperResolutionOptions options) => _resolver = new SuperResolver(options);

    private static SuperResolutionOptions Options(string model, int scale, TilePlan? tiling, bool selfEnsemble, ModelPrecision precision)
    {
        var options = new SuperResolutionOptions
        {
            Scale = model == "default" ? scale : null,
            ModelPath = model == "default" ? null : model,
            DefaultModelPrecision = precision,
            SelfEnsemble = selfEnsemble,
        };
        if (tiling is not null)
        {
            options.TileSize = tiling.TileSize;
            options.TileOverlap = tiling.Overlap;
            // An explicit tile is the caller's choice of memory (eval caps it).
            options.AttentionMemoryBudgetBytes = Math.Max(options.AttentionMemoryBudgetBytes, SuperResolutionOptions.AttentionBytes(tiling.TileSize)); // the tile that runs is never larger
        }
        return options;
    }

    /// <inheritdoc />
    public int Scale => _resolver.Scale;

    /// <inheritdoc />
    public RgbImage Upscale(RgbImage lowRes)
    {
        ArgumentNullException.ThrowIfNull(lowRes);
        var output = _resolver.UpscalePixels(lowRes.ToRgba32(), lowRes.Width, lowRes.Height, MLPixelFormat.Rgba32);
        return RgbImage.FromRgba32(output, lowRes.Width * Scale, lowRes.Height * Scale);
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose() => _resolver.Dispose();
}
