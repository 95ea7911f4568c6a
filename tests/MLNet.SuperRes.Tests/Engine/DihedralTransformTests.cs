using MLNet.SuperRes.Engine;

namespace MLNet.SuperRes.Tests.Engine;

/// <summary>The 8 flips and transposes shared by self-ensemble and training augmentation.</summary>
public sealed class DihedralTransformTests
{
    private const int Height = 3, Width = 5;

    /// <summary>A planar RGB image whose every value is distinct: channel·100 + y·10 + x.</summary>
    private static float[] Numbered()
    {
        var image = new float[3 * Height * Width];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < Height; y++)
                for (int x = 0; x < Width; x++)
                    image[(c * Height + y) * Width + x] = c * 100 + y * 10 + x;
        return image;
    }

    private static float[] Apply(int k, float[] image)
    {
        var result = new float[image.Length];
        DihedralTransform.Apply(k, image, Height, Width, result);
        return result;
    }

    [Fact]
    public void TheEightTransformsAreTheIdentityFlipsAndTransposes()
    {
        var image = Numbered();
        float At(int c, int y, int x) => c * 100 + y * 10 + x;
        // Transform k transposes when bit 2 is set, then mirrors rows (bit 1) and columns (bit 0).
        Func<int, int, int, float>[] expected =
        [
            (c, y, x) => At(c, y, x),
            (c, y, x) => At(c, y, Width - 1 - x),
            (c, y, x) => At(c, Height - 1 - y, x),
            (c, y, x) => At(c, Height - 1 - y, Width - 1 - x),
            (c, y, x) => At(c, x, y),
            (c, y, x) => At(c, Height - 1 - x, y),
            (c, y, x) => At(c, x, Width - 1 - y),
            (c, y, x) => At(c, Height - 1 - x, Width - 1 - y),
        ];
        Assert.Equal(DihedralTransform.Count, expected.Length);
        for (int k = 0; k < DihedralTransform.Count; k++)
        {
            var (height, width) = DihedralTransform.TransformedSize(k, Height, Width);
            Assert.Equal(k >= 4 ? (Width, Height) : (Height, Width), (height, width));
            var transformed = Apply(k, image);
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < height; y++)
                    for (int x = 0; x < width; x++)
                        Assert.Equal(expected[k](c, y, x), transformed[(c * height + y) * width + x]);
        }
    }

    [Fact]
    public void EveryTransformIsUndoneByItsInverseAccumulation()
    {
        var image = Numbered();
        for (int k = 0; k < DihedralTransform.Count; k++)
        {
            var accumulator = new float[image.Length];
            DihedralTransform.AccumulateInverse(k, Apply(k, image), Height, Width, accumulator);
            DihedralTransform.AccumulateInverse(k, Apply(k, image), Height, Width, accumulator);
            Assert.Equal(image.Select(v => 2 * v), accumulator);
        }
    }

    [Fact]
    public void TheEightResultsDiffer()
    {
        var image = Numbered();
        var results = Enumerable.Range(0, DihedralTransform.Count).Select(k => string.Join(",", Apply(k, image))).ToHashSet();
        Assert.Equal(DihedralTransform.Count, results.Count);
    }
}
