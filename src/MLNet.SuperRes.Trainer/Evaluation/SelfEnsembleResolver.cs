using MLNet.SuperRes.Trainer.Data;

namespace MLNet.SuperRes.Trainer.Evaluation;

/// <summary>
/// The x8 geometric self-ensemble of EDSR (<c>forward_x8</c>): the low-resolution input is flipped and
/// transposed in the 8 ways of the dihedral group, each version is enlarged by the wrapped resolver, the
/// outputs are transformed back and averaged.
/// </summary>
public sealed class SelfEnsembleResolver : ISuperResolver
{
    private readonly ISuperResolver _inner;

    /// <summary>Wraps <paramref name="inner"/>, which is called 8 times per image.</summary>
    public SelfEnsembleResolver(ISuperResolver inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <inheritdoc />
    public int Scale => _inner.Scale;

    /// <inheritdoc />
    public float[] Upscale(RgbImage lowRes)
    {
        ArgumentNullException.ThrowIfNull(lowRes);
        int outWidth = lowRes.Width * Scale, outHeight = lowRes.Height * Scale;
        var sum = new double[3 * outWidth * outHeight];
        // EDSR's order: transforms 'v' (mirror the width), 'h' (mirror the height), 't' (transpose), applied in that order.
        for (int variant = 0; variant < 8; variant++)
        {
            bool mirrorWidth = (variant & 1) != 0, mirrorHeight = (variant & 2) != 0, transpose = (variant & 4) != 0;
            var input = lowRes;
            if (mirrorWidth) input = MirrorWidth(input);
            if (mirrorHeight) input = MirrorHeight(input);
            if (transpose) input = Transpose(input);

            var output = _inner.Upscale(input);
            int w = input.Width * Scale, h = input.Height * Scale;
            if (output.Length != 3 * w * h)
                throw new InvalidOperationException($"The wrapped resolver returned {output.Length} values for a {input.Width}x{input.Height} input at x{Scale}; expected {3 * w * h}.");

            // Undo in reverse order; each step is its own inverse.
            if (transpose) (output, w, h) = (TransposePlanar(output, w, h), h, w);
            if (mirrorHeight) output = MirrorHeightPlanar(output, w, h);
            if (mirrorWidth) output = MirrorWidthPlanar(output, w, h);
            for (int i = 0; i < sum.Length; i++) sum[i] += output[i];
        }
        var average = new float[sum.Length];
        for (int i = 0; i < sum.Length; i++) average[i] = (float)(sum[i] / 8);
        return average;
    }

    private static RgbImage MirrorWidth(RgbImage image) => Remap(image, image.Width, image.Height, (x, y) => (image.Width - 1 - x, y));

    private static RgbImage MirrorHeight(RgbImage image) => Remap(image, image.Width, image.Height, (x, y) => (x, image.Height - 1 - y));

    private static RgbImage Transpose(RgbImage image) => Remap(image, image.Height, image.Width, (x, y) => (y, x));

    /// <summary>Builds a width x height image whose pixel (x, y) is the source pixel at sourceOf(x, y).</summary>
    private static RgbImage Remap(RgbImage source, int width, int height, Func<int, int, (int X, int Y)> sourceOf)
    {
        var pixels = new byte[3 * width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var (sx, sy) = sourceOf(x, y);
                int from = 3 * (sy * source.Width + sx), to = 3 * (y * width + x);
                pixels[to] = source.Pixels[from];
                pixels[to + 1] = source.Pixels[from + 1];
                pixels[to + 2] = source.Pixels[from + 2];
            }
        return new RgbImage(width, height, pixels, source.IsGreyscale);
    }

    private static float[] MirrorWidthPlanar(float[] chw, int width, int height)
    {
        var result = new float[chw.Length];
        for (int row = 0; row < 3 * height; row++)
            for (int x = 0; x < width; x++)
                result[row * width + x] = chw[row * width + width - 1 - x];
        return result;
    }

    private static float[] MirrorHeightPlanar(float[] chw, int width, int height)
    {
        var result = new float[chw.Length];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < height; y++)
                Array.Copy(chw, (c * height + height - 1 - y) * width, result, (c * height + y) * width, width);
        return result;
    }

    /// <summary>Transposes each channel of a width x height planar image, giving height x width.</summary>
    private static float[] TransposePlanar(float[] chw, int width, int height)
    {
        var result = new float[chw.Length];
        int plane = width * height;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    result[c * plane + x * height + y] = chw[c * plane + y * width + x];
        return result;
    }
}
