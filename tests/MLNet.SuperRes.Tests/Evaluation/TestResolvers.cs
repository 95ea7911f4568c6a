using MLNet.SuperRes.Trainer.Data;
using MLNet.SuperRes.Trainer.Evaluation;

namespace MLNet.SuperRes.Tests.Evaluation;

/// <summary>Pixel replication: each LR pixel becomes a Scale x Scale block. Commutes exactly with flips and transposes.</summary>
internal sealed class NearestResolver(int scale) : ISuperResolver
{
    public int Scale { get; } = scale;

    public List<(int Width, int Height)> Calls { get; } = [];

    public float[] Upscale(RgbImage lowRes)
    {
        Calls.Add((lowRes.Width, lowRes.Height));
        int width = lowRes.Width * Scale, height = lowRes.Height * Scale, plane = width * height;
        var output = new float[3 * plane];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++)
                    output[c * plane + y * width + x] = lowRes.Pixels[3 * ((y / Scale) * lowRes.Width + x / Scale) + c] / 255f;
        return output;
    }
}

/// <summary>Returns a fixed image whatever the input: lets a test feed the evaluator an exact answer.</summary>
internal sealed class FixedOutputResolver(int scale, RgbImage output) : ISuperResolver
{
    public int Scale { get; } = scale;

    public float[] Upscale(RgbImage lowRes) => output.ToPlanarFloat();
}

internal static class TestImages
{
    /// <summary>A deterministic image with no symmetry: different content in every corner and channel.</summary>
    public static RgbImage Asymmetric(int width, int height, int seed = 1)
    {
        var random = new Random(seed);
        var pixels = new byte[3 * width * height];
        random.NextBytes(pixels);
        return new RgbImage(width, height, pixels);
    }

    public static RgbImage Constant(int width, int height, byte r, byte g, byte b)
    {
        var pixels = new byte[3 * width * height];
        for (int i = 0; i < width * height; i++)
        {
            pixels[3 * i] = r;
            pixels[3 * i + 1] = g;
            pixels[3 * i + 2] = b;
        }
        return new RgbImage(width, height, pixels);
    }

    /// <summary>A width x 1 image whose three channels all hold <paramref name="values"/>.</summary>
    public static RgbImage Row(params byte[] values)
    {
        var pixels = new byte[3 * values.Length];
        for (int i = 0; i < values.Length; i++)
            pixels[3 * i] = pixels[3 * i + 1] = pixels[3 * i + 2] = values[i];
        return new RgbImage(values.Length, 1, pixels);
    }

    public static byte[] Channel(RgbImage image, int channel) =>
        Enumerable.Range(0, image.Width * image.Height).Select(i => image.Pixels[3 * i + channel]).ToArray();
}
