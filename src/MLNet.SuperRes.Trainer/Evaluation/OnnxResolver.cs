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
    public OnnxResolver(string model, int scale, Tiling? tiling = null)
    {
        tiling ??= Tiling.Default;
        resolver = new SuperResolver(new SuperResolutionOptions
        {
            Scale = model == "default" ? scale : null,
            ModelPath = model == "default" ? null : model,
            TileSize = tiling.Tile,
            TileOverlap = tiling.Overlap,
        });
    }

    public int Scale => resolver.Scale;

    public float[] Upscale(RgbImage lowRes)
    {
        var rgba = new byte[lowRes.Width * lowRes.Height * 4];
        for (int i = 0, j = 0; i < lowRes.Pixels.Length; i += 3, j += 4)
        {
            rgba[j] = lowRes.Pixels[i];
            rgba[j + 1] = lowRes.Pixels[i + 1];
            rgba[j + 2] = lowRes.Pixels[i + 2];
            rgba[j + 3] = 255;
        }
        using var output = resolver.Upscale(rgba, lowRes.Width, lowRes.Height, MLPixelFormat.Rgba32);
        var pixels = output.Pixels;
        int count = output.Width * output.Height;
        var planar = new float[3 * count];
        for (int p = 0; p < count; p++)
        {
            planar[p] = pixels[4 * p] / 255f;
            planar[count + p] = pixels[4 * p + 1] / 255f;
            planar[2 * count + p] = pixels[4 * p + 2] / 255f;
        }
        return planar;
    }

    public void Dispose() => resolver.Dispose();
}
