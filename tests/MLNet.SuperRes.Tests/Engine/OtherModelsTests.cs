using Microsoft.ML.Data;

namespace MLNet.SuperRes.Tests.Engine;

/// <summary>
/// Models of other architectures (Real-ESRGAN, SwinIR and the like, as their projects export them): own
/// names, no metadata, [0, 255] values, BGR, fixed input sizes, size multiples. Each is a nearest-neighbour
/// upscaler underneath, so the right output is known exactly.
/// </summary>
public sealed class OtherModelsTests
{
    private static readonly Dictionary<string, string> Other = new() { ["architecture"] = "test-other" };

    private static MLImage Image(int width, int height) => TestImages.Texture(width, height, seed: 11);

    /// <summary>Pixel replication of the image, the answer every model here must give (up to its bias or gains).</summary>
    private static byte[] Nearest(MLImage image, int scale)
    {
        using var resolver = new SuperResolver(new SuperResolutionOptions { ModelBytes = TestOnnxModels.Resize(scale), TileSize = 4096 });
        using var output = resolver.Upscale(image);
        return TestImages.Rgba(output);
    }

    private static byte[] Run(byte[] model, MLImage image, SuperResolutionOptions? options = null)
    {
        options ??= new SuperResolutionOptions();
        options.ModelBytes = model;
        using var resolver = new SuperResolver(options);
        using var output = resolver.Upscale(image);
        return TestImages.Rgba(output);
    }

    [Fact]
    public void OwnNamesAndNoMetadata_ScaleFoundByATrialRun()
    {
        using var image = Image(50, 30);
        using var resolver = new SuperResolver(new SuperResolutionOptions { ModelBytes = TestOnnxModels.OtherModel(3) });
        Assert.Equal(3, resolver.Scale);
        using var output = resolver.Upscale(image);
        Assert.Equal(Nearest(image, 3), TestImages.Rgba(output));
    }

    [Fact]
    public void ValuesIn0To255_FromMetadataOrOptions()
    {
        using var image = Image(20, 12);
        // The model adds 10 in its own units: 10 levels when fed 0-255, everything white if fed 0-1.
        var model = TestOnnxModels.OtherModel(2, bias: 10, metadata: new Dictionary<string, string>(Other) { ["input_range"] = "0-255" });
        byte[] expected = Nearest(image, 2).Select((v, i) => i % 4 == 3 ? v : (byte)Math.Min(255, v + 10)).ToArray();
        Assert.Equal(expected, Run(model, image));
        var undeclared = TestOnnxModels.OtherModel(2, bias: 10, metadata: Other);
        Assert.Equal(expected, Run(undeclared, image, new SuperResolutionOptions { InputRange = 255 }));
        Assert.Contains("input_range", Assert.Throws<InvalidOperationException>(() => Run(model, image, new SuperResolutionOptions { InputRange = 1 })).Message);
    }

    [Fact]
    public void BgrModels_GetTheirChannelsSwapped()
    {
        using var image = Image(20, 12);
        // Gains in the model's channel order, B, G, R: blue kept, green halved, red removed.
        var model = TestOnnxModels.OtherModel(2, gains: [1f, 0.5f, 0f], metadata: new Dictionary<string, string>(Other) { ["input_color_order"] = "BGR" });
        byte[] nearest = Nearest(image, 2), actual = Run(model, image);
        for (int i = 0; i < nearest.Length; i += 4)
        {
            Assert.Equal(0, actual[i]);                       // R
            Assert.InRange(actual[i + 1], nearest[i + 1] / 2 - 1, nearest[i + 1] / 2 + 1); // G
            Assert.Equal(nearest[i + 2], actual[i + 2]);      // B
        }
    }

    [Theory]
    [InlineData(50, 40)]
    [InlineData(10, 8)] // smaller than the fixed input: padded up to it
    public void AFixedInputSize_RunsInTilesOfExactlyThatSize(int width, int height)
    {
        using var image = Image(width, height);
        var model = TestOnnxModels.OtherModel(2, fixedSide: 32, metadata: Other);
        using var resolver = new SuperResolver(new SuperResolutionOptions { ModelBytes = model });
        Assert.Equal(32, resolver.TileSize);
        using var output = resolver.Upscale(image);
        Assert.Equal(Nearest(image, 2), TestImages.Rgba(output));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SuperResolver(new SuperResolutionOptions { ModelBytes = model, TileSize = 48 }));
    }

    [Fact]
    public void AFixedSizeModelWithoutMetadata_IsNotHeldToHspansAttentionBudget()
    {
        using var image = Image(150, 90);
        var model = TestOnnxModels.OtherModel(2, fixedSide: 64); // no architecture, no scale
        using var resolver = new SuperResolver(new SuperResolutionOptions { ModelBytes = model });
        Assert.Equal(64, resolver.TileSize);
        using var output = resolver.Upscale(image);
        Assert.Equal(Nearest(image, 2), TestImages.Rgba(output));
    }

    [Fact]
    public void SizeMultiples_ArePaddedAndCroppedBack()
    {
        using var image = Image(21, 13);
        var declared = TestOnnxModels.OtherModel(2, blockMultiple: 8, metadata: new Dictionary<string, string>(Other) { ["input_size_multiple"] = "8" });
        Assert.Equal(Nearest(image, 2), Run(declared, image, new SuperResolutionOptions { Scale = 2 }));

        var undeclared = TestOnnxModels.OtherModel(2, blockMultiple: 8, metadata: Other);
        Assert.Equal(Nearest(image, 2), Run(undeclared, image, new SuperResolutionOptions { Scale = 2, InputSizeMultiple = 8 }));
        // Without the multiple the engine's mirrored tile (21 + 8 = 29 wide) is no multiple of 8, and the model fails, named.
        Assert.Contains("ONNX Runtime failed to run", Assert.Throws<InvalidOperationException>(() => Run(undeclared, image, new SuperResolutionOptions { Scale = 2 })).Message);
    }

    [Fact]
    public void OtherArchitectures_GetTheirOwnDefaultTile_HspanKeepsTheAttentionBudget()
    {
        using (var other = new SuperResolver(new SuperResolutionOptions { ModelBytes = TestOnnxModels.OtherModel(2, metadata: Other) }))
            Assert.Equal(SuperResolutionOptions.DefaultTileSizeOfOtherModels, other.TileSize);
        using var hspan = new SuperResolver(scale: 2);
        Assert.Equal(40, hspan.TileSize);
    }
}
