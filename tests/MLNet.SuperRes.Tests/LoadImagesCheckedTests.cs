using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.SuperRes.Tests;

/// <summary>LoadImagesChecked: LoadImages' columns, schema and pixels, with files read header first.</summary>
public sealed class LoadImagesCheckedTests : IDisposable
{
    private readonly MLContext _mlContext = new(seed: 1);
    private readonly HostileFiles _files = new();

    public void Dispose() => _files.Dispose();

    public sealed class ImagePath
    {
        public string Path { get; set; } = "";
    }

    private IDataView Paths(params string[] paths) =>
        _mlContext.Data.LoadFromEnumerable(paths.Select(p => new ImagePath { Path = p }));

    private static List<byte[]?> Read(IDataView data, string column)
    {
        var images = new List<byte[]?>();
        using var cursor = data.GetRowCursor(data.Schema.Where(c => c.Name == column));
        var getter = cursor.GetGetter<MLImage>(data.Schema[column]);
        MLImage image = null!;
        while (cursor.MoveNext())
        {
            getter(ref image);
            images.Add(image is null ? null : TestImages.Rgba(image));
        }
        image?.Dispose();
        return images;
    }

    [Fact]
    public void SameColumnsSchemaAndPixelsAsLoadImages()
    {
        var paths = Paths(TestImages.Set5FileNames);
        var theirs = _mlContext.Transforms.LoadImages("Image", TestImages.Set5Folder, "Path").Fit(paths).Transform(paths);
        var ours = _mlContext.Transforms.LoadImagesChecked("Image", TestImages.Set5Folder, "Path").Fit(paths).Transform(paths);
        Assert.Equal(theirs.Schema.Select(c => (c.Name, c.Type.GetType())), ours.Schema.Select(c => (c.Name, c.Type.GetType())));
        Assert.Equal(Read(theirs, "Image"), Read(ours, "Image"));

        var pathShape = _mlContext.Transforms.CustomMapping<NoColumns, ImagePath>((_, _) => { }, null).GetOutputSchema(new SchemaShape([]));
        var theirShape = _mlContext.Transforms.LoadImages("Image", TestImages.Set5Folder, "Path").GetOutputSchema(pathShape);
        var ourShape = _mlContext.Transforms.LoadImagesChecked("Image", TestImages.Set5Folder, "Path").GetOutputSchema(pathShape);
        Assert.Equal(theirShape.Select(c => (c.Name, c.Kind, c.ItemType.GetType())), ourShape.Select(c => (c.Name, c.Kind, c.ItemType.GetType())));
    }

    [Fact]
    public void FeedsSuperResolveAndSavesAndLoads()
    {
        var paths = Paths("bird.png", "", "head.png");
        // (ML.NET's ResizeImages hands out a disposed image for a missing one, so nothing stands between the two stages.)
        var pipeline = _mlContext.Transforms.LoadImagesChecked("Image", TestImages.Set5Folder, "Path")
            .Append(_mlContext.Transforms.SuperResolve(new SuperResolutionOptions
            {
                OutputColumnName = "Sr",
                InputColumnName = "Image",
                ModelBytes = TestOnnxModels.Resize(2),
            }));
        using var model = (IDisposable)pipeline.Fit(paths);
        var expected = Read(((ITransformer)model).Transform(paths), "Sr");
        Assert.Null(expected[1]); // an empty path is a missing image, as with LoadImages

        string saved = Path.Combine(_files.Folder, "model.zip");
        _mlContext.Model.Save((ITransformer)model, paths.Schema, saved);
        var fresh = new MLContext(seed: 2);
        fresh.ComponentCatalog.RegisterAssembly(typeof(SuperResolutionTransformer).Assembly);
        var loaded = fresh.Model.Load(saved, out _);
        Assert.Equal(expected, Read(loaded.Transform(paths), "Sr"));
    }

    [Fact]
    public void BadFilesAreRefusedNamingTheFile()
    {
        _files.Write("bomb.png", HostileFiles.PngDeclaring(60000, 60000));
        _files.Write("cut.png", HostileFiles.Truncated("head.png", 0.9));
        var loader = _mlContext.Transforms.LoadImagesChecked("Image", _files.Folder, "Path", maxPixels: 10_000_000);
        foreach (var (name, words) in new[] { ("bomb.png", "60000x60000"), ("cut.png", "truncated"), ("missing.png", "does not exist") })
        {
            var data = Paths(name);
            var e = Assert.ThrowsAny<Exception>(() => Read(loader.Fit(data).Transform(data), "Image"));
            var cause = e is InvalidDataException or FileNotFoundException ? e : e.InnerException!;
            Assert.Contains(Path.Combine(_files.Folder, name), cause.Message);
            Assert.Contains(words, cause.Message);
        }
    }

    [Fact]
    public void AWrongInputColumnIsNamedAsMlNetNamesIt()
    {
        var numbers = _mlContext.Data.LoadFromEnumerable(new[] { new { Path = 1f } }.Select(x => new NumberRow { Path = x.Path }));
        var loader = _mlContext.Transforms.LoadImagesChecked("Image", null, "Path");
        Assert.Contains("Schema mismatch for input column 'Path': expected String, got Single",
            Assert.Throws<ArgumentOutOfRangeException>(() => loader.Fit(numbers)).Message);
        Assert.Contains("Could not find input column 'File'",
            Assert.Throws<ArgumentOutOfRangeException>(() => _mlContext.Transforms.LoadImagesChecked("Image", null, "File").Fit(numbers)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => _mlContext.Transforms.LoadImagesChecked("Image", null, "Path", maxPixels: 0));
    }

    public sealed class NoColumns
    {
    }

    public sealed class NumberRow
    {
        public float Path { get; set; }
    }
}
