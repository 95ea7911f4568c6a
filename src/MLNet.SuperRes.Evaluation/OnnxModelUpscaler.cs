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
    public OnnxModelUpscaler(string model, int scale, Tiling? tiling = null, bool selfEnsemble = false)
    {
        tiling ??= Tiling.Default;
        _resolver = new SuperResolver(new SuperResolutionOptions
        {
            Scale = model == "default" ? scale : null,
            ModelPath = model == "default" ? null : model,
            TileSize = tiling.Tile,
            AttentionMemoryBudgetBytes = Math.Max(new SuperResolutionOptions().AttentionMemoryBudgetBytes, SuperResolutionOptions.AttentionBytes(tiling.Tile)),
            TileOverlap = tiling.Overlap,
            SelfEnsemble = selfEnsemble,
        });
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
