using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SuperRes;
using Xunit;

namespace MLNet.SuperRes.Tests;

/// <summary>Every bad input gets a clear exception naming what is wrong.</summary>
public sealed class ErrorTests
{
    private readonly MLContext _mlContext = new(seed: 1);
    private static readonly byte[] GoodModel = TestOnnxModels.Resize(2);

    public sealed class ImagePath
    {
        public string Path { get; set; } = "";
    }

    private IDataView Images()
    {
        var paths = _mlContext.Data.LoadFromEnumerable(new[] { new ImagePath { Path = "bird.png" } });
        return _mlContext.Transforms.LoadImages("Image", TestImages.Set5Folder, "Path").Fit(paths).Transform(paths);
    }

    private SuperResolutionEstimator Estimator(string input, byte[]? model = null) =>
        _mlContext.Transforms.SuperResolve(new SuperResolutionOptions { OutputColumnName = "Sr", InputColumnName = input, ModelBytes = model ?? GoodModel });

    [Fact]
    public void MissingColumn_IsReportedByFit_Shape_AndTransformer()
    {
        var data = Images();
        var estimator = Estimator("Picture");
        var fit = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        Assert.Equal("inputSchema", fit.ParamName);
        Assert.StartsWith("Could not find input column 'Picture'", fit.Message);

        using var transformer = Estimator("Image").Fit(data);
        var other = _mlContext.Data.LoadFromEnumerable(new[] { new ImagePath { Path = "x" } });
        var transform = Assert.Throws<ArgumentOutOfRangeException>(() => transformer.Transform(other));
        Assert.StartsWith("Could not find input column 'Image'", transform.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => transformer.GetOutputSchema(other.Schema));
        Assert.Throws<ArgumentOutOfRangeException>(() => transformer.GetRowToRowMapper(other.Schema));

        var shape = _mlContext.Transforms.CustomMapping<NoInput, ImagePath>((_, _) => { }, null).GetOutputSchema(new SchemaShape([]));
        var shapeError = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(shape));
        Assert.StartsWith("Could not find input column 'Picture'", shapeError.Message);
    }

    public sealed class NoInput
    {
    }

    [Fact]
    public void WrongColumnType_IsASchemaMismatch()
    {
        var data = Images();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Estimator("Path").Fit(data));
        Assert.Equal("inputSchema", error.ParamName);
        Assert.StartsWith("Schema mismatch for input column 'Path': expected Image, got String", error.Message);

        var pixels = _mlContext.Transforms.ResizeImages("Small", 8, 8, "Image").Append(_mlContext.Transforms.ExtractPixels("Pixels", "Small"))
            .Fit(data).Transform(data);
        var vector = Assert.Throws<ArgumentOutOfRangeException>(() => Estimator("Pixels").Fit(pixels));
        Assert.StartsWith("Schema mismatch for input column 'Pixels': expected Image, got Vector<Single, 3, 8, 8>", vector.Message);

        var shape = _mlContext.Transforms.CustomMapping<NoInput, ImagePath>((_, _) => { }, null).GetOutputSchema(new SchemaShape([]));
        var shapeError = Assert.Throws<ArgumentOutOfRangeException>(() => Estimator("Path").GetOutputSchema(shape));
        Assert.StartsWith("Schema mismatch for input column 'Path': expected Image, got String", shapeError.Message);
    }

    [Fact]
    public void ModelFileMissing_NamesThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), "no-such-model.onnx");
        var error = Assert.Throws<FileNotFoundException>(() =>
            _mlContext.Transforms.SuperResolve(new SuperResolutionOptions { OutputColumnName = "Sr", ModelPath = path }));
        Assert.Contains(path, error.Message);
        Assert.Equal(path, error.FileName);
    }

    [Fact]
    public void NotAnOnnxFile_IsRefused()
    {
        string path = TestOnnxModels.WriteTemporary("this is not a protobuf"u8.ToArray());
        try
        {
            var error = Assert.Throws<InvalidOperationException>(() =>
                _mlContext.Transforms.SuperResolve(new SuperResolutionOptions { OutputColumnName = "Sr", ModelPath = path }));
            Assert.Contains($"ONNX model '{path}' is not a valid ONNX model", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ModelsThatAreNotImageToImage_AreRefusedSayingWhy()
    {
        SuperResolutionEstimator Open(byte[] model) =>
            _mlContext.Transforms.SuperResolve(new SuperResolutionOptions { OutputColumnName = "Sr", ModelBytes = model });
        Assert.Contains("it has 2 inputs, 'a' float32 [N, 3, H, W], 'b' float32 [N, 3, H, W]",
            Assert.Throws<InvalidOperationException>(() => Open(TestOnnxModels.TwoInputs())).Message);
        Assert.Contains("its input is 'tokens' int64 [N, L]",
            Assert.Throws<InvalidOperationException>(() => Open(TestOnnxModels.IntegerInput())).Message);
        Assert.Contains("its input is 'lr' float32 [N, 1, H, W]",
            Assert.Throws<InvalidOperationException>(() => Open(TestOnnxModels.OtherModel(2, channels: 1))).Message);
        var uneven = Assert.Throws<InvalidOperationException>(() => Open(TestOnnxModels.OtherModel(2, scales: [1f, 1f, 2f, 3f])));
        Assert.Contains("gives a [1, 3, 32, 48] output, not [1, 3, s*16, s*16] for a whole number s", uneven.Message);
    }

    [Fact]
    public void ScaleMismatch_BetweenOptionsAndMetadata_IsRefused()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            _mlContext.Transforms.SuperResolve(new SuperResolutionOptions { OutputColumnName = "Sr", ModelBytes = GoodModel, Scale = 3 }));
        Assert.Contains("Scale mismatch: SuperResolutionOptions.Scale is 3, but the ONNX model given as bytes upscales by 2", error.Message);
    }

    [Fact]
    public void MissingScaleMetadata_IsFoundByATrialRun_AndAGivenScaleIsCheckedOnEveryTile()
    {
        byte[] model = TestOnnxModels.Resize(2, scaleMetadata: false);
        // Without metadata or option, one trial run finds the scale.
        Assert.Equal(2, _mlContext.Transforms.SuperResolve(new SuperResolutionOptions { OutputColumnName = "Sr", ModelBytes = model }).Scale);

        using (var right = new SuperResolver(new SuperResolutionOptions { ModelBytes = model, Scale = 2 }))
        using (var image = TestImages.Texture(10, 6, seed: 1))
        using (var result = right.Upscale(image))
            Assert.Equal((20, 12), (result.Width, result.Height));

        using var wrong = new SuperResolver(new SuperResolutionOptions { ModelBytes = model, Scale = 3 });
        using var input = TestImages.Texture(10, 6, seed: 1);
        var runError = Assert.Throws<InvalidOperationException>(() => wrong.Upscale(input));
        // The 10 x 6 image runs whole, mirrored beyond its borders to 18 x 16 (at least 4 pixels, and 16 in all).
        Assert.Contains("expecting a [1, 3, 48, 54] output (scale 3)", runError.Message);
    }

    [Fact]
    public void NoDefaultModelForTheScale_SaysWhichExist()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _mlContext.Transforms.SuperResolve("Sr", "Image", scale: 5));
        Assert.Contains("no default model for scale 5; the embedded defaults are x2, x3 and x4", error.Message);
    }

    [Fact]
    public void ImageLargerThanThePixelLimit_FailsWhenRead_NamingColumnAndLimit()
    {
        var data = Images(); // bird.png, 288x288
        using var transformer = _mlContext.Transforms.SuperResolve(new SuperResolutionOptions
        {
            OutputColumnName = "Sr", InputColumnName = "Image", ModelBytes = GoodModel, MaxInputPixels = 288 * 287,
        }).Fit(data);
        var output = transformer.Transform(data);
        using var cursor = output.GetRowCursor(output.Schema);
        var getter = cursor.GetGetter<MLImage>(output.Schema["Sr"]);
        Assert.True(cursor.MoveNext());
        MLImage image = null!;
        var error = Assert.Throws<InvalidOperationException>(() => getter(ref image));
        Assert.Contains("column 'Image' at row 0", error.Message);
        Assert.Contains("288x288 = 82,944 pixels, more than the limit of 82,656 set by SuperResolutionOptions.MaxInputPixels", error.Message);
    }

    [Fact]
    public void ZeroSizeImage_IsRefused()
    {
        using var resolver = new SuperResolver(new SuperResolutionOptions { ModelBytes = GoodModel });
        var error = Assert.Throws<ArgumentException>(() => resolver.Upscale(ReadOnlySpan<byte>.Empty, 0, 12, MLPixelFormat.Bgra32));
        Assert.Contains("zero size (0x12)", error.Message);
    }

    [Fact]
    public void WrongPixelBufferLength_AndDisposedImages_AreRefused()
    {
        using var resolver = new SuperResolver(new SuperResolutionOptions { ModelBytes = GoodModel });
        var length = Assert.Throws<ArgumentException>(() => resolver.Upscale(new byte[10], 2, 2, MLPixelFormat.Bgra32));
        Assert.Contains("Got 10 bytes of pixels for a 2x2 image; expected 16", length.Message);

        var image = TestImages.Texture(4, 4, seed: 2);
        image.Dispose();
        var disposed = Assert.Throws<ObjectDisposedException>(() => resolver.Upscale(image));
        Assert.Contains("has been disposed", disposed.Message);
    }

    [Fact]
    public void BadOptions_AreNamed()
    {
        var tooMuchOverlap = Assert.Throws<ArgumentOutOfRangeException>(() =>
            new SuperResolver(new SuperResolutionOptions { ModelBytes = GoodModel, TileSize = 32, TileOverlap = 16 }));
        Assert.Contains("TileOverlap (16) must be less than half the tile size (32)", tooMuchOverlap.Message);

        var both = Assert.Throws<ArgumentException>(() =>
            new SuperResolver(new SuperResolutionOptions { ModelBytes = GoodModel, ModelPath = "x.onnx" }));
        Assert.Contains("Set either ModelPath or ModelBytes, not both", both.Message);

        var noOutput = Assert.Throws<ArgumentException>(() =>
            _mlContext.Transforms.SuperResolve(new SuperResolutionOptions { ModelBytes = GoodModel }));
        Assert.Contains("OutputColumnName must be set", noOutput.Message);

        Assert.Throws<ArgumentOutOfRangeException>(() => new SuperResolver(new SuperResolutionOptions { ModelBytes = GoodModel, MaxInputPixels = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SuperResolver(new SuperResolutionOptions { ModelBytes = GoodModel, Scale = 0 }));
    }

    [Fact]
    public void Gpu_WithoutCuda_FailsClearly_OrFallsBackToCpuWhenAsked()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            new SuperResolver(new SuperResolutionOptions { ModelBytes = GoodModel, GpuDeviceId = 0 }));
        Assert.Contains("CUDA execution provider on GPU 0", error.Message);
        Assert.Contains("FallbackToCpu", error.Message);

        using var fallback = new SuperResolver(new SuperResolutionOptions { ModelBytes = GoodModel, GpuDeviceId = 0, FallbackToCpu = true });
        Assert.Equal("CPU", fallback.ExecutionProvider);
        using var image = TestImages.Texture(5, 5, seed: 3);
        using var result = fallback.Upscale(image);
        Assert.Equal(10, result.Width);
    }

    [Fact]
    public void DisposedTransformer_RefusesWork()
    {
        var data = Images();
        var transformer = Estimator("Image").Fit(data);
        transformer.Dispose();
        using var image = TestImages.Texture(4, 4, seed: 4);
        Assert.Throws<ObjectDisposedException>(() => transformer.Upscale(image));
    }
}
