using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SuperRes;
using MLNet.SuperRes.Engine;
using Xunit;
using Xunit.Abstractions;

namespace MLNet.SuperRes.Tests;

/// <summary>
/// The embedded default HSPAN models (src/MLNet.SuperRes/Models/hspan-x{2,3,4}.onnx), made by the trainer.
/// Inputs are kept small (48 to 96 pixels) because the full network on a CPU is slow.
/// </summary>
public sealed class DefaultModelTests(ITestOutputHelper output)
{
    private readonly MLContext _mlContext = new(seed: 1);

    public sealed class ImagePath
    {
        public string Path { get; set; } = "";
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void DefaultModel_IsEmbedded_AndDeclaresHspanAndItsScale(int scale)
    {
        using var resolver = new SuperResolver(scale);
        Assert.Equal(scale, resolver.Scale);
        Assert.Equal("HSPAN", resolver.ModelMetadata["architecture"]);
        Assert.Equal(scale.ToString(), resolver.ModelMetadata["scale"]);
        Assert.Equal(40, resolver.TileSize);
    }

    [Fact]
    public void SuperResolve_WithoutOptions_UsesTheX2Default()
    {
        Assert.Equal(2, _mlContext.Transforms.SuperResolve("Sr", "Image").Scale);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void DefaultModel_BeatsBicubic_OnSet5Crops(int scale)
    {
        using var resolver = new SuperResolver(scale);
        double srTotal = 0, bicubicTotal = 0;
        foreach (string name in TestImages.Set5FileNames)
        {
            using var hr = Crop(TestImages.Load(name), 48 * scale, 48 * scale);
            using var lr = BoxDownscale(hr, scale);
            byte[] reference = TestImages.Rgba(hr);
            double sr = TestImages.Psnr(reference, TestImages.Rgba(resolver.Upscale(lr)));
            double bicubic = TestImages.Psnr(reference, Bicubic(lr, scale));
            output.WriteLine($"x{scale} {name}: HSPAN {sr:F2} dB, bicubic {bicubic:F2} dB");
            srTotal += sr;
            bicubicTotal += bicubic;
        }
        Assert.True(srTotal > bicubicTotal + 5 * 0.3, $"x{scale}: mean PSNR {srTotal / 5:F2} dB does not beat bicubic {bicubicTotal / 5:F2} dB");
    }

    [Fact]
    public void DefaultModel_TiledMatchesUntiled_AtLeast45dB()
    {
        using var lr = Crop(TestImages.Load("bird.png"), 96, 96);
        using var whole = new SuperResolver(new SuperResolutionOptions { Scale = 2, TileSize = 96, TileOverlap = 0, AttentionMemoryBudgetBytes = SuperResolutionOptions.AttentionBytes(96) });
        using var tiled = new SuperResolver(new SuperResolutionOptions { Scale = 2 });
        double psnr = TestImages.Psnr(TestImages.Rgba(whole.Upscale(lr)), TestImages.Rgba(tiled.Upscale(lr)));
        output.WriteLine($"HSPAN x2, 96x96, tiles of 40 with overlap 4 (the defaults) vs whole: {psnr:F2} dB");
        Assert.True(psnr >= 45, $"tiled vs untiled {psnr:F2} dB < 45 dB");
    }

    [Fact]
    public void DefaultModelPipeline_RoundTripsThroughSaveAndLoad()
    {
        var data = _mlContext.Data.LoadFromEnumerable(new[] { new ImagePath { Path = "head.png" }, new ImagePath { Path = "bird.png" } });
        var pipeline = _mlContext.Transforms.LoadImages("Image", TestImages.Set5Folder, "Path")
            .Append(_mlContext.Transforms.ResizeImages("Small", 48, 40, "Image"))
            .Append(_mlContext.Transforms.SuperResolve("Sr", "Small", scale: 2));
        using var model = pipeline.Fit(data);
        string saved = Path.Combine(Path.GetTempPath(), $"mlnet-superres-default-{Guid.NewGuid():N}.zip");
        try
        {
            _mlContext.Model.Save(model, data.Schema, saved);
            var loadContext = new MLContext();
            loadContext.ComponentCatalog.RegisterAssembly(typeof(SuperResolutionTransformer).Assembly);
            var loaded = loadContext.Model.Load(saved, out _);
            Assert.Equal(Read(model.Transform(data)), Read(loaded.Transform(data)));
        }
        finally
        {
            File.Delete(saved);
        }
    }

    private static List<byte[]> Read(IDataView data)
    {
        var images = new List<byte[]>();
        using var cursor = data.GetRowCursor(data.Schema.Where(c => c.Name == "Sr"));
        var getter = cursor.GetGetter<MLImage>(data.Schema["Sr"]);
        MLImage image = null!;
        while (cursor.MoveNext())
        {
            getter(ref image);
            images.Add(TestImages.Rgba(image));
        }
        Assert.Equal(2, images.Count);
        return images;
    }

    private static MLImage Crop(MLImage image, int width, int height)
    {
        using (image)
        {
            byte[] source = image.Pixels.ToArray();
            var result = new byte[width * height * 4];
            int left = (image.Width - width) / 2, top = (image.Height - height) / 2;
            for (int y = 0; y < height; y++)
                Array.Copy(source, ((top + y) * image.Width + left) * 4, result, y * width * 4, width * 4);
            return MLImage.CreateFromPixels(width, height, image.PixelFormat, result);
        }
    }

    private static MLImage BoxDownscale(MLImage image, int scale)
    {
        byte[] source = image.Pixels.ToArray();
        int width = image.Width / scale, height = image.Height / scale;
        var result = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 4; c++)
                {
                    int sum = 0;
                    for (int dy = 0; dy < scale; dy++)
                        for (int dx = 0; dx < scale; dx++)
                            sum += source[((y * scale + dy) * image.Width + x * scale + dx) * 4 + c];
                    result[(y * width + x) * 4 + c] = (byte)Math.Round(sum / (double)(scale * scale));
                }
        return MLImage.CreateFromPixels(width, height, image.PixelFormat, result);
    }

    /// <summary>Bicubic upscaling of each channel, as RGBA bytes.</summary>
    private static byte[] Bicubic(MLImage image, int scale)
    {
        byte[] rgba = TestImages.Rgba(image);
        var channels = Enumerable.Range(0, 4)
            .Select(c => AlphaUpsampler.UpscaleChannel(rgba, image.Width, image.Height, 4, c, scale)).ToArray();
        var result = new byte[channels[0].Length * 4];
        for (int i = 0; i < channels[0].Length; i++)
            for (int c = 0; c < 4; c++)
                result[i * 4 + c] = channels[c][i];
        return result;
    }

    [Fact]
    public void WithTheKernelATileHoldsNoScoresAndAnyTileSizeRuns()
    {
        using var resolver = new SuperResolver(new SuperResolutionOptions { Scale = 2, TileSize = 4096 });
        using var image = TestImages.Gradient(90, 60); // one 98x68 tile: 6,664 positions, 178 MB of scores the kernel never holds
        Assert.Equal(180, resolver.Upscale(image).Width);
    }

    [Fact]
    public void WhereScoresAreMaterializedAnExplicitTileBeyondTheAttentionBudgetIsRefusedWithTheLargestThatFits()
    {
        using var resolver = new SuperResolver(new SuperResolutionOptions { Scale = 2, TileSize = 4096, AttentionKernel = false });
        using var large = TestImages.Gradient(300, 200);
        var e = Assert.Throws<ArgumentException>(() => resolver.Upscale(large));
        Assert.Contains("308x208 tile", e.Message); // the image and its mirrored margin of 4
        Assert.Contains("largest tile is 40", e.Message);

        // The tile shrinks to the image: a small image runs whole within the budget.
        using var small = TestImages.Gradient(30, 20);
        using var output = resolver.Upscale(small);
        Assert.Equal(60, output.Width);

        // Raised knowingly, the budget lets the tile through.
        using var raised = new SuperResolver(new SuperResolutionOptions { Scale = 2, TileSize = 48, AttentionMemoryBudgetBytes = SuperResolutionOptions.AttentionBytes(48), AttentionKernel = false });
        using var medium = TestImages.Gradient(48, 48);
        Assert.Equal(96, raised.Upscale(medium).Width);
    }

    /// <summary>
    /// The network's own zero padding used to darken borders and swamp tiny images (a 1x1 image came out 72 levels
    /// off on average, corners of every image up to 40 off at x2); mirrored padding at the borders keeps a uniform
    /// image its colour at any size.
    /// </summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 64)]
    [InlineData(64, 1)]
    [InlineData(2, 2)]
    [InlineData(7, 5)]
    [InlineData(45, 41)]
    public void AUniformImageStaysItsColourAtAnySize(int width, int height)
    {
        using var resolver = new SuperResolver(scale: 2);
        var pixels = new byte[width * height * 4];
        for (int i = 0; i < width * height; i++)
            (pixels[4 * i], pixels[4 * i + 1], pixels[4 * i + 2], pixels[4 * i + 3]) = ((byte)0, (byte)129, (byte)253, (byte)255);
        using var output = resolver.Upscale(pixels, width, height, MLPixelFormat.Rgba32);
        var result = output.Pixels;
        int w = output.Width, h = output.Height;
        byte[] colour = [0, 129, 253];
        double sum = 0;
        for (int i = 0; i < w * h; i++)
            for (int c = 0; c < 3; c++)
                sum += Math.Abs(result[4 * i + c] - colour[c]);
        Assert.True(sum / (3.0 * w * h) <= 2, $"mean error {sum / (3.0 * w * h):F2} levels");
        foreach (var (x, y) in new[] { (0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1) })
            for (int c = 0; c < 3; c++)
                Assert.InRange(result[4 * (y * w + x) + c], colour[c] - 6, colour[c] + 6);
    }
}
