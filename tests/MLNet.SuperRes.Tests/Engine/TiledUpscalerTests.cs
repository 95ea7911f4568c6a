using Microsoft.ML.Data;
using MLNet.SuperRes;
using Xunit;
using Xunit.Abstractions;

namespace MLNet.SuperRes.Tests.Engine;

/// <summary>Tiling with overlap and blended seams: same result as running whole, no visible seam.</summary>
public sealed class TiledUpscalerTests(ITestOutputHelper output)
{
    private static SuperResolver Resolver(byte[] model, int tileSize, int overlap, bool selfEnsemble = false) =>
        new(new SuperResolutionOptions { ModelBytes = model, TileSize = tileSize, TileOverlap = overlap, SelfEnsemble = selfEnsemble });

    /// <summary>Runs whole: a tile larger than the image.</summary>
    private static SuperResolver Untiled(byte[] model, bool selfEnsemble = false) => Resolver(model, 4096, 0, selfEnsemble);

    [Theory]
    [InlineData(2, 48, 8)]
    [InlineData(3, 40, 6)]
    [InlineData(2, 64, 16)]
    public void Tiled_MatchesUntiled_AtLeast45dB_OnSet5(int scale, int tileSize, int overlap)
    {
        byte[] model = TestOnnxModels.ConvUpscaler(scale);
        using var whole = Untiled(model);
        using var tiled = Resolver(model, tileSize, overlap);
        foreach (string name in new[] { "bird.png", "woman.png" })
        {
            using var image = TestImages.Load(name);
            using var expected = whole.Upscale(image);
            using var actual = tiled.Upscale(image);
            double psnr = TestImages.Psnr(TestImages.Rgba(expected), TestImages.Rgba(actual));
            output.WriteLine($"x{scale} tile {tileSize} overlap {overlap} {name}: tiled vs untiled PSNR {psnr:F2} dB");
            Assert.True(psnr >= 45, $"{name}: tiled vs untiled {psnr:F2} dB < 45 dB");
        }
    }

    [Fact]
    public void Tiled_SmoothGradient_ShowsNoSeam_WhileUnblendedTilesDo()
    {
        byte[] model = TestOnnxModels.ConvUpscaler(2);
        // Mirrored at each border it is 192 x 144: 4 x 3 tiles of 48 that abut exactly without overlap.
        int pad = MLNet.SuperRes.Engine.TiledUpscaler.BorderPadding;
        using var gradient = TestImages.Gradient(192 - 2 * pad, 144 - 2 * pad);
        using var whole = Untiled(model);
        using var blended = Resolver(model, 48, 8);
        using var abutting = Resolver(model, 48, 0);
        byte[] expected = TestImages.Rgba(whole.Upscale(gradient));
        byte[] smooth = TestImages.Rgba(blended.Upscale(gradient));
        byte[] seamed = TestImages.Rgba(abutting.Upscale(gradient));

        int blendedError = TestImages.MaxAbsDifference(expected, smooth);
        int seamError = TestImages.MaxAbsDifference(expected, seamed);
        output.WriteLine($"max |tiled - untiled|: blended {blendedError}, unblended {seamError}");
        Assert.True(blendedError <= 1, $"blended tiles differ from the whole image by up to {blendedError} levels");
        Assert.True(seamError >= 10, "the check cannot see seams: unblended tiles should differ visibly");

        // And directly: near every vertical tile boundary the red ramp steps no more than it does anywhere
        // in the untiled output.
        int width = 2 * gradient.Width;
        double Step(byte[] rgba, int x) => Enumerable.Range(20, 2 * gradient.Height - 40).Average(y => Math.Abs(rgba[(y * width + x + 1) * 4] - rgba[(y * width + x) * 4]));
        double SeamStep(byte[] rgba, int boundary) => Enumerable.Range(boundary - 4, 8).Max(x => Step(rgba, x));
        double typical = Enumerable.Range(10, width - 24).Max(x => Step(expected, x));
        int[] boundaries = [2 * (48 - pad), 2 * (96 - pad), 2 * (144 - pad)];
        foreach (int boundary in boundaries)
            Assert.True(SeamStep(smooth, boundary) <= typical + 0.5, $"step near x={boundary} in the blended output");
        Assert.All(boundaries, b => Assert.True(SeamStep(seamed, b) > typical + 3, $"no step near x={b} without blending"));
    }

    [Fact]
    public void Tiled_WithPixelReplicationModel_EqualsUntiledExactly()
    {
        byte[] model = TestOnnxModels.Resize(3, "nearest");
        using var whole = Untiled(model);
        using var tiled = Resolver(model, 24, 5);
        using var image = TestImages.Load("butterfly.png");
        Assert.Equal(TestImages.Rgba(whole.Upscale(image)), TestImages.Rgba(tiled.Upscale(image)));
    }

    [Fact]
    public void TileSize_ComesFromTheAttentionMemoryBudget()
    {
        byte[] model = TestOnnxModels.Resize(2, scaleMetadata: true);
        using (var declared = new SuperResolver(new SuperResolutionOptions { ModelBytes = model }))
            Assert.Equal(SuperResolutionOptions.DefaultTileSizeOfOtherModels, declared.TileSize); // it says architecture=test-resize
        model = TestOnnxModels.OtherModel(2, metadata: new Dictionary<string, string> { ["scale"] = "2" }); // says nothing: HSPAN's budget
        using var byDefault = new SuperResolver(new SuperResolutionOptions { ModelBytes = model });
        Assert.Equal(40, byDefault.TileSize); // 4 * 40^4 bytes <= 10 MiB < 4 * 41^4
        using var larger = new SuperResolver(new SuperResolutionOptions { ModelBytes = model, AttentionMemoryBudgetBytes = 64L << 20 });
        Assert.Equal(64, larger.TileSize);
        using var smaller = new SuperResolver(new SuperResolutionOptions { ModelBytes = model, AttentionMemoryBudgetBytes = 4L * 32 * 32 * 32 * 32 + 1 });
        Assert.Equal(32, smaller.TileSize);
        using var given = new SuperResolver(new SuperResolutionOptions { ModelBytes = model, TileSize = 100 });
        Assert.Equal(100, given.TileSize);
    }

    [Fact]
    public void SelfEnsemble_AveragesTheEightFlipsAndRotations()
    {
        byte[] model = TestOnnxModels.ConvUpscaler(2, asymmetric: true);
        using var image = TestImages.Texture(30, 22, seed: 7);
        using var plain = Untiled(model);
        using var ensemble = Untiled(model, selfEnsemble: true);

        // The expected average, computed independently: transform the image, upscale, transform back.
        var sum = new double[60 * 44 * 4];
        for (int k = 0; k < 8; k++)
        {
            using var transformed = Dihedral(image, k, inverse: false);
            using var upscaled = plain.Upscale(transformed);
            using var back = Dihedral(upscaled, k, inverse: true);
            byte[] rgba = TestImages.Rgba(back);
            for (int i = 0; i < sum.Length; i++)
                sum[i] += rgba[i];
        }
        byte[] expected = sum.Select(v => (byte)Math.Round(v / 8)).ToArray();
        byte[] actual = TestImages.Rgba(ensemble.Upscale(image));
        byte[] single = TestImages.Rgba(plain.Upscale(image));

        Assert.True(TestImages.MaxAbsDifference(expected, actual) <= 1);
        Assert.True(TestImages.MaxAbsDifference(single, actual) >= 5, "the asymmetric model should make the ensemble differ from a single pass");
    }

    [Fact]
    public void SelfEnsemble_OfAFlipInvariantModel_ChangesNothing()
    {
        byte[] model = TestOnnxModels.Resize(2, "nearest");
        using var image = TestImages.Load("head.png");
        using var plain = Resolver(model, 64, 16);
        using var ensemble = Resolver(model, 64, 16, selfEnsemble: true);
        Assert.Equal(TestImages.Rgba(plain.Upscale(image)), TestImages.Rgba(ensemble.Upscale(image)));
    }

    /// <summary>
    /// Transform k of an image as three plain steps (transpose if bit 2, then flip rows if bit 1, then flip
    /// columns if bit 0), or its inverse (the same steps undone in reverse order); each step is its own inverse.
    /// </summary>
    private static MLImage Dihedral(MLImage image, int k, bool inverse)
    {
        var steps = new List<Func<byte[], int, int, (byte[], int, int)>>();
        if ((k & 4) != 0) steps.Add(Transpose);
        if ((k & 2) != 0) steps.Add(FlipRows);
        if ((k & 1) != 0) steps.Add(FlipColumns);
        if (inverse) steps.Reverse();
        var (pixels, width, height) = (image.Pixels.ToArray(), image.Width, image.Height);
        foreach (var step in steps)
            (pixels, width, height) = step(pixels, width, height);
        return MLImage.CreateFromPixels(width, height, image.PixelFormat, pixels);
    }

    private static (byte[], int, int) Transpose(byte[] pixels, int width, int height) =>
        (Remap(pixels, height, width, (y, x) => x * width + y), height, width);

    private static (byte[], int, int) FlipRows(byte[] pixels, int width, int height) =>
        (Remap(pixels, width, height, (y, x) => (height - 1 - y) * width + x), width, height);

    private static (byte[], int, int) FlipColumns(byte[] pixels, int width, int height) =>
        (Remap(pixels, width, height, (y, x) => y * width + width - 1 - x), width, height);

    /// <summary>A width × height image of 4-byte pixels whose pixel (y, x) is source pixel sourceIndex(y, x).</summary>
    private static byte[] Remap(byte[] source, int width, int height, Func<int, int, int> sourceIndex)
    {
        var result = new byte[source.Length];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                Array.Copy(source, sourceIndex(y, x) * 4, result, (y * width + x) * 4, 4);
        return result;
    }
}
