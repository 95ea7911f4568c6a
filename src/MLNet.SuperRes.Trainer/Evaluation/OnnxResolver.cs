using Microsoft.ML.Data;
using MLNet.SuperRes;
using MLNet.SuperRes.Trainer.Data;

namespace MLNet.SuperRes.Trainer.Evaluation;

/// <summary>
/// Scores an exported ONNX model exactly as users run it: through the runtime's SuperResolver
/// (ONNX Runtime, tiled and blended, 8-bit output).
/// </summary>
public sealed class OnnxResolver : ISuperResolver, IDisposable
{
    private readonly SuperResolver resolver;

    /// <param name="model">An .onnx file, or "default" for the embedded default model of <paramref name="scale"/>.</param>
    /// <param name="selfEnsemble">Average the x8 flips and transposes as <see cref="SuperResolutionOptions.SelfEnsemble"/> does.</param>
    public OnnxResolver(string model, int scale, Tiling? tiling = null, bool selfEnsemble = false)
    {
        tiling ??= Tiling.Default;
        resolver = new SuperResolver(new SuperResolutionOptions
        {
            Scale = model == "default" ? scale : null,
            ModelPath = model == "default" ? null : model,
            TileSize = tiling.Tile,
            TileOverlap = tiling.Overlap,
            SelfEnsemble = selfEnsemble,
        });
    }

    public int Scale => resolver.Scale;

    public bool SelfEnsembles => resolver.Options.SelfEnsemble;

    public float[] Upscale(RgbImage lowRes)
    {
        using var output = resolver.Upscale(lowRes.ToRgba32(), lowRes.Width, lowRes.Height, MLPixelFormat.Rgba32);
        return RgbImage.FromRgba32(output.Pixels, output.Width, output.Height).ToPlanarFloat();
    }

    public void Dispose() => resolver.Dispose();
}
