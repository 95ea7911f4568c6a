using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SuperRes;
using Xunit;

namespace MLNet.SuperRes.Tests.Persistence;

/// <summary>
/// mlContext.Model.Save / Load round trips, loaded into a fresh MLContext that knows only the assembly
/// (public APIs only), giving the same pixels.
/// </summary>
public sealed class PersistenceTests : IDisposable
{
    private readonly MLContext _mlContext = new(seed: 1);
    private readonly List<string> _files = [];

    public void Dispose()
    {
        foreach (string file in _files)
            File.Delete(file);
    }

    public sealed class ImagePath
    {
        public string Path { get; set; } = "";
    }

    public sealed class SuperResolved
    {
        public MLImage? Sr { get; set; }
    }

    private string TempFile(string extension)
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlnet-superres-{Guid.NewGuid():N}{extension}");
        _files.Add(path);
        return path;
    }

    private IDataView Set5Paths() =>
        _mlContext.Data.LoadFromEnumerable(TestImages.Set5FileNames.Select(name => new ImagePath { Path = name }));

    private static MLContext FreshContext()
    {
        var mlContext = new MLContext(seed: 2);
        mlContext.ComponentCatalog.RegisterAssembly(typeof(SuperResolutionTransformer).Assembly);
        return mlContext;
    }

    private static List<byte[]> ReadImages(IDataView data, string column)
    {
        var images = new List<byte[]>();
        using var cursor = data.GetRowCursor(data.Schema.Where(c => c.Name == column));
        var getter = cursor.GetGetter<MLImage>(data.Schema[column]);
        MLImage image = null!;
        while (cursor.MoveNext())
        {
            getter(ref image);
            images.Add(TestImages.Rgba(image));
        }
        return images;
    }

    private static void AssertSameVisibleSchema(DataViewSchema expected, DataViewSchema actual)
    {
        var visible = (DataViewSchema s) => s.Where(c => !c.IsHidden).Select(c => (c.Name, c.Type.ToString())).ToArray();
        Assert.Equal(visible(expected), visible(actual));
    }

    [Fact]
    public void Pipeline_WithSettings_RoundTrips_GivingTheSamePixels()
    {
        // Asymmetric model + self-ensemble + small tiles: if a setting were lost, pixels would change.
        string modelPath = TempFile(".onnx");
        File.WriteAllBytes(modelPath, TestOnnxModels.ConvUpscaler(2, asymmetric: true));
        var pipeline = _mlContext.Transforms.LoadImages("Image", TestImages.Set5Folder, "Path")
            .Append(_mlContext.Transforms.SuperResolve(new SuperResolutionOptions
            {
                OutputColumnName = "Sr", InputColumnName = "Image", ModelPath = modelPath,
                TileSize = 64, TileOverlap = 8, SelfEnsemble = true,
            }));
        var data = _mlContext.Data.LoadFromEnumerable(new[] { new ImagePath { Path = "butterfly.png" }, new ImagePath { Path = "head.png" } });
        using var model = pipeline.Fit(data);
        var expected = model.Transform(data);
        string saved = TempFile(".zip");
        _mlContext.Model.Save(model, data.Schema, saved);
        File.Delete(modelPath); // the saved file holds the model itself

        var loadContext = FreshContext();
        var loaded = loadContext.Model.Load(saved, out var inputSchema);
        var actual = loaded.Transform(data);

        AssertSameVisibleSchema(data.Schema, inputSchema);
        AssertSameVisibleSchema(expected.Schema, actual.Schema);
        var expectedImages = ReadImages(expected, "Sr");
        Assert.Equal(2, expectedImages.Count);
        Assert.Equal(expectedImages, ReadImages(actual, "Sr"));

        var engine = loadContext.Model.CreatePredictionEngine<ImagePath, SuperResolved>(loaded);
        var prediction = engine.Predict(new ImagePath { Path = "head.png" });
        Assert.Equal(expectedImages[1], TestImages.Rgba(prediction.Sr!));
    }

    [Fact]
    public void KnownSizeImageColumn_RoundTrips_GivingTheSamePixels()
    {
        var pipeline = _mlContext.Transforms.LoadImages("Image", TestImages.Set5Folder, "Path")
            .Append(_mlContext.Transforms.ResizeImages("Small", 70, 50, "Image"))
            .Append(_mlContext.Transforms.SuperResolve(new SuperResolutionOptions
            {
                OutputColumnName = "Sr", InputColumnName = "Small", ModelBytes = TestOnnxModels.ConvUpscaler(3), TileSize = 32, TileOverlap = 6,
            }))
            .Append(_mlContext.Transforms.ExtractPixels("Pixels", "Small"));
        var data = Set5Paths();
        using var model = pipeline.Fit(data);
        var expected = model.Transform(data);
        string saved = TempFile(".zip");
        _mlContext.Model.Save(model, data.Schema, saved);

        var loaded = FreshContext().Model.Load(saved, out _);
        var actual = loaded.Transform(data);

        AssertSameVisibleSchema(expected.Schema, actual.Schema);
        var expectedImages = ReadImages(expected, "Sr");
        Assert.All(expectedImages, pixels => Assert.Equal(210 * 150 * 4, pixels.Length));
        Assert.Equal(expectedImages, ReadImages(actual, "Sr"));
    }

    [Fact]
    public void TwoStages_InPlace_RoundTrip()
    {
        var pipeline = _mlContext.Transforms.LoadImages("Image", TestImages.Set5Folder, "Path")
            .Append(_mlContext.Transforms.ResizeImages("Image", 30, 20))
            .Append(_mlContext.Transforms.SuperResolve(new SuperResolutionOptions { OutputColumnName = "Image", ModelBytes = TestOnnxModels.Resize(2) }))
            .Append(_mlContext.Transforms.SuperResolve(new SuperResolutionOptions { OutputColumnName = "Image", ModelBytes = TestOnnxModels.ConvUpscaler(3) }));
        var data = Set5Paths();
        using var model = pipeline.Fit(data);
        var expected = ReadImages(model.Transform(data), "Image");
        string saved = TempFile(".zip");
        _mlContext.Model.Save(model, data.Schema, saved);

        var loaded = FreshContext().Model.Load(saved, out _);
        var actual = loaded.Transform(data);
        Assert.All(expected, pixels => Assert.Equal(180 * 120 * 4, pixels.Length));
        Assert.Equal(expected, ReadImages(actual, "Image"));
        Assert.DoesNotContain(actual.Schema, c => c.Name.StartsWith("MLNet.SuperRes.", StringComparison.Ordinal));
    }

    [Fact]
    public void LoadedStage_KeepsThePixelLimit()
    {
        var pipeline = _mlContext.Transforms.LoadImages("Image", TestImages.Set5Folder, "Path")
            .Append(_mlContext.Transforms.SuperResolve(new SuperResolutionOptions
            {
                OutputColumnName = "Sr", InputColumnName = "Image", ModelBytes = TestOnnxModels.Resize(2), MaxInputPixels = 100_000,
            }));
        var data = Set5Paths(); // baby.png (512x512) first
        using var model = pipeline.Fit(data);
        string saved = TempFile(".zip");
        _mlContext.Model.Save(model, data.Schema, saved);

        var loaded = FreshContext().Model.Load(saved, out _);
        var error = Assert.ThrowsAny<Exception>(() => ReadImages(loaded.Transform(data), "Sr"));
        Assert.Contains("SuperResolve could not process the image in column 'Image': ", error.ToString());
        Assert.Contains("more than the limit of 100,000", error.ToString());
    }
}
