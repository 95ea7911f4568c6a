using MLNet.SuperRes.Evaluation.Images;
using MLNet.SuperRes.Evaluation;

namespace MLNet.SuperRes.Tests.Evaluation;

/// <summary>Pixel replication: each LR pixel becomes a Scale x Scale block. Commutes exactly with flips and transposes.</summary>
public sealed class NearestUpscaler(int scale) : IUpscaler
{
    public int Scale { get; } = scale;

    public RgbImage Upscale(RgbImage lowRes)
    {
        int width = lowRes.Width * Scale, height = lowRes.Height * Scale;
        var output = new byte[3 * width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++)
                    output[3 * (y * width + x) + c] = lowRes.Pixels[3 * ((y / Scale) * lowRes.Width + x / Scale) + c];
        return new RgbImage(width, height, output);
    }
}

/// <summary>Returns a fixed image whatever the input: lets a test feed the evaluator an exact answer.</summary>
public sealed class FixedOutputUpscaler(int scale, RgbImage output) : IUpscaler
{
    public int Scale { get; } = scale;

    public RgbImage Upscale(RgbImage lowRes) => output;
}

/// <summary>Small <see cref="RgbImage"/>s with known content.</summary>
public static class TestRgbImages
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

public static class EightBitOutputs
{
    /// <summary>
    /// Two 8-bit outputs of one network run by TorchSharp and by ONNX Runtime: their floats differ by about
    /// 1e-6, which flips the rounding of a value now and then, so a few values differ by one level, none by more.
    /// </summary>
    public static void AssertAgree(RgbImage expected, RgbImage actual)
    {
        Assert.Equal((expected.Width, expected.Height), (actual.Width, actual.Height));
        int differing = 0, worst = 0;
        for (int i = 0; i < expected.Pixels.Length; i++)
        {
            int difference = Math.Abs(expected.Pixels[i] - actual.Pixels[i]);
            worst = Math.Max(worst, difference);
            if (difference > 0) differing++;
        }
        Assert.True(worst <= 1, $"outputs differ by up to {worst}/255");
        Assert.True(differing <= expected.Pixels.Length / 200, $"{differing} of {expected.Pixels.Length} values differ by one level");
    }
}
