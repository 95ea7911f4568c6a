using Xunit;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SuperRes;

namespace MLNet.SuperRes.Tests.Pipeline;

/// <summary>SuperResolve as an ML.NET pipeline stage over Set5.</summary>
public sealed class SuperResolvePipelineTests : IDisposable
{
    private readonly MLContext _mlContext = new(seed: 1);
    private readonly string _modelPath = TestOnnxModels.WriteTemporary(TestOnnxModels.ConvUpscaler(scale: 2));

    public void Dispose() => File.Delete(_modelPath);

    public sealed class ImagePath
    {
        public string Path { get; set; } = "";
    }

    public sealed class NoInput
    {
    }

    public sealed class SuperResolved
    {
        public MLImage? Sr { get; set; }
    }

    private IDataView Set5Paths() =>
        _mlContext.Data.LoadFromEnumerable(TestImages.Set5FileNames.Select(name => new ImagePath { Path = name }));

    private SuperResolutionOptions Options(string output = "Sr", string? input = "Image") =>
        new() { OutputColumnName = output, InputColumnName = input, ModelPath = _modelPath };

    [Fact]
    public void Set5Pipeline_LoadSuperResolveResizeExtract_GivesUpscaledImagesAndPixelVectors()
    {
        var pipeline = _mlContext.Transforms.LoadImages("Image", TestImages.Set5Folder, "Path")
            .Append(_mlContext.Transforms.SuperResolve(Options()))
            .Append(_mlContext.Transforms.ResizeImages("Small", 40, 30, "Sr"))
            .Append(_mlContext.Transforms.ExtractPixels("Pixels", "Small"));
        var data = Set5Paths();
        using var model = pipeline.Fit(data);
        var output = model.Transform(data);

        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, 3, 30, 40), output.Schema["Pixels"].Type);
        using var cursor = output.GetRowCursor(output.Schema);
        var image = cursor.GetGetter<MLImage>(output.Schema["Image"]);
        var sr = cursor.GetGetter<MLImage>(output.Schema["Sr"]);
        var pixels = cursor.GetGetter<VBuffer<float>>(output.Schema["Pixels"]);
        using var resolver = new SuperResolver(new SuperResolutionOptions { ModelPath = _modelPath });
        int rows = 0;
        MLImage input = null!, result = null!;
        VBuffer<float> vector = default;
        while (cursor.MoveNext())
        {
            image(ref input);
            sr(ref result);
            pixels(ref vector);
            Assert.Equal((input.Width * 2, input.Height * 2), (result.Width, result.Height));
            Assert.Equal(3 * 30 * 40, vector.Length);
            Assert.Contains(vector.DenseValues(), v => v > 0);
            using var direct = resolver.Upscale(input);
            Assert.Equal(TestImages.Rgba(direct), TestImages.Rgba(result));
            rows++;
        }
        Assert.Equal(5, rows);
    }

    [Fact]
    public void SuperResolve_AddsImageColumn_AndEstimatorShapeMatchesTransformerSchema()
    {
        var data = _mlContext.Transforms.LoadImages("Image", TestImages.Set5Folder, "Path").Fit(Set5Paths()).Transform(Set5Paths());
        var estimator = _mlContext.Transforms.SuperResolve(Options());
        Assert.Equal(2, estimator.Scale);
        // SchemaShape.Create is internal: the input shape comes from estimators' shape propagation.
        var pathShape = _mlContext.Transforms.CustomMapping<NoInput, ImagePath>((_, _) => { }, null).GetOutputSchema(new SchemaShape([]));
        var imageShape = _mlContext.Transforms.LoadImages("Image", TestImages.Set5Folder, "Path").GetOutputSchema(pathShape);
        var shape = estimator.GetOutputSchema(imageShape);
        using var transformer = estimator.Fit(data);
        var schema = transformer.GetOutputSchema(data.Schema);

        Assert.Equal(data.Schema.Count + 1, schema.Count);
        Assert.Equal("Sr", schema[^1].Name);
        Assert.Equal(new Microsoft.ML.Transforms.Image.ImageDataViewType(), schema["Sr"].Type);
        var srShape = shape.Single(c => c.Name == "Sr");
        Assert.Equal(SchemaShape.Column.VectorKind.Scalar, srShape.Kind);
        Assert.Equal(schema["Sr"].Type, srShape.ItemType);
        Assert.Equal(shape.Select(c => c.Name).Order(), schema.Where(c => !c.IsHidden).Select(c => c.Name).Order());
    }

    [Fact]
    public void SuperResolve_InPlace_ReplacesTheImageColumn()
    {
        var data = _mlContext.Transforms.LoadImages("Image", TestImages.Set5Folder, "Path").Fit(Set5Paths()).Transform(Set5Paths());
        using var transformer = _mlContext.Transforms.SuperResolve(Options(output: "Image", input: null)).Fit(data);
        var output = transformer.Transform(data);
        Assert.True(output.Schema[1].IsHidden);
        using var cursor = output.GetRowCursor(output.Schema);
        var getter = cursor.GetGetter<MLImage>(output.Schema["Image"]);
        Assert.True(cursor.MoveNext());
        MLImage image = null!;
        getter(ref image);
        Assert.Equal((1024, 1024), (image.Width, image.Height)); // baby.png, 512x512
    }

    [Fact]
    public void Preview_ShowsTheSuperResolvedImages()
    {
        var pipeline = _mlContext.Transforms.LoadImages("Image", TestImages.Set5Folder, "Path")
            .Append(_mlContext.Transforms.SuperResolve(Options()));
        var data = Set5Paths();
        using var model = pipeline.Fit(data);
        var preview = model.Preview(data, maxRows: 2);

        Assert.Equal(2, preview.RowView.Length);
        Assert.Contains(preview.ColumnView, c => c.Column.Name == "Sr");
        var first = (MLImage)preview.RowView[0].Values.Single(kv => kv.Key == "Sr").Value;
        var firstInput = (MLImage)preview.RowView[0].Values.Single(kv => kv.Key == "Image").Value;
        Assert.Equal((firstInput.Width * 2, firstInput.Height * 2), (first.Width, first.Height));
    }

    [Fact]
    public void PredictionEngine_UpscalesOneImageAtATime()
    {
        var pipeline = _mlContext.Transforms.LoadImages("Image", TestImages.Set5Folder, "Path")
            .Append(_mlContext.Transforms.SuperResolve(Options()));
        using var model = pipeline.Fit(Set5Paths());
        using var engine = _mlContext.Model.CreatePredictionEngine<ImagePath, SuperResolved>(model);
        using var resolver = new SuperResolver(new SuperResolutionOptions { ModelPath = _modelPath });

        foreach (string name in new[] { "bird.png", "woman.png", "bird.png" })
        {
            var prediction = engine.Predict(new ImagePath { Path = name });
            using var input = TestImages.Load(name);
            using var expected = resolver.Upscale(input);
            Assert.NotNull(prediction.Sr);
            Assert.Equal(TestImages.Rgba(expected), TestImages.Rgba(prediction.Sr!));
        }
    }

    [Fact]
    public async Task ManyThreads_PredictionEnginesAndCursors_GiveIdenticalPixels()
    {
        var pipeline = _mlContext.Transforms.LoadImages("Image", TestImages.Set5Folder, "Path")
            .Append(_mlContext.Transforms.SuperResolve(Options()));
        var data = Set5Paths();
        using var model = pipeline.Fit(data);
        string[] names = TestImages.Set5FileNames;
        var sequential = names.ToDictionary(n => n, n =>
        {
            // Not disposed: a PredictionEngine disposes the model it was made from.
            var engine = _mlContext.Model.CreatePredictionEngine<ImagePath, SuperResolved>(model);
            return TestImages.Rgba(engine.Predict(new ImagePath { Path = n }).Sr!);
        });

        var fromEngines = Enumerable.Range(0, 4).Select(thread => Task.Run(() =>
        {
            var engine = _mlContext.Model.CreatePredictionEngine<ImagePath, SuperResolved>(model);
            return names.Reverse().Skip(thread).Concat(names.Take(thread))
                .Select(n => (n, TestImages.Rgba(engine.Predict(new ImagePath { Path = n }).Sr!))).ToArray();
        })).ToArray();
        var transformed = model.Transform(data);
        var fromCursors = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            var results = new List<(string, byte[])>();
            using var cursor = transformed.GetRowCursor(transformed.Schema);
            var path = cursor.GetGetter<ReadOnlyMemory<char>>(transformed.Schema["Path"]);
            var sr = cursor.GetGetter<MLImage>(transformed.Schema["Sr"]);
            ReadOnlyMemory<char> name = default;
            MLImage image = null!;
            while (cursor.MoveNext())
            {
                path(ref name);
                sr(ref image);
                results.Add((name.ToString(), TestImages.Rgba(image)));
            }
            return results.ToArray();
        })).ToArray();

        await Task.WhenAll([.. fromEngines, .. fromCursors]);
        int compared = 0;
        foreach (var (name, pixels) in fromEngines.SelectMany(t => t.Result).Concat(fromCursors.SelectMany(t => t.Result)))
        {
            Assert.Equal(sequential[name], pixels);
            compared++;
        }
        Assert.Equal(4 * 5 + 3 * 5, compared);
    }

    public sealed class CountedImage
    {
        private readonly MLImage _image;
        private readonly int[] _reads;

        public CountedImage() : this(null!, new int[1]) { }

        public CountedImage(MLImage image, int[] reads)
        {
            _image = image;
            _reads = reads;
        }

        public string Name { get; set; } = "";

        public MLImage Image
        {
            get
            {
                Interlocked.Increment(ref _reads[0]);
                return _image;
            }
            set { }
        }
    }

    [Fact]
    public void Transform_IsLazy_AndRunsEachRowOncePerCursor()
    {
        TestImages.RegisterImageType();
        var reads = new int[1];
        using var small = TestImages.Texture(20, 12, seed: 3);
        var rows = Enumerable.Range(0, 3).Select(i => new CountedImage(small, reads) { Name = $"row{i}" }).ToList();
        var data = _mlContext.Data.LoadFromEnumerable(rows);
        using var transformer = _mlContext.Transforms.SuperResolve(Options(input: "Image")).Fit(data);

        var output = transformer.Transform(data);
        Assert.Equal(0, reads[0]);

        using (var names = output.GetRowCursor(output.Schema.Where(c => c.Name == "Name")))
        {
            var getter = names.GetGetter<ReadOnlyMemory<char>>(output.Schema["Name"]);
            ReadOnlyMemory<char> name = default;
            while (names.MoveNext())
                getter(ref name);
        }
        Assert.Equal(0, reads[0]);

        using (var cursor = output.GetRowCursor(output.Schema))
        {
            var getter = cursor.GetGetter<MLImage>(output.Schema["Sr"]);
            MLImage first = null!, second = null!;
            int row = 0;
            while (cursor.MoveNext())
            {
                var previous = first;
                getter(ref first);
                getter(ref second);
                Assert.Equal(++row, reads[0]);
                Assert.Equal(TestImages.Rgba(first), TestImages.Rgba(second));
                Assert.NotSame(first, second);
                if (previous is not null)
                    Assert.Throws<InvalidOperationException>(() => previous.Width); // handed-out image replaced, as ML.NET's getters do
            }
        }
        Assert.Equal(3, reads[0]);
    }

    public sealed class MaybeImage
    {
        public MLImage? Image { get; set; }
    }

    [Fact]
    public void MissingImage_GivesMissingOutput()
    {
        TestImages.RegisterImageType();
        var data = _mlContext.Data.LoadFromEnumerable(new[] { new MaybeImage { Image = null }, new MaybeImage { Image = TestImages.Texture(8, 8, 1) } });
        using var transformer = _mlContext.Transforms.SuperResolve(Options(input: "Image")).Fit(data);
        var output = transformer.Transform(data);
        using var cursor = output.GetRowCursor(output.Schema);
        var getter = cursor.GetGetter<MLImage>(output.Schema["Sr"]);
        MLImage? image = null;
        Assert.True(cursor.MoveNext());
        getter(ref image!);
        Assert.Null(image);
        Assert.True(cursor.MoveNext());
        getter(ref image!);
        Assert.Equal((16, 16), (image!.Width, image.Height));
    }

    [Fact]
    public void Transformer_ExposesTheDirectApi_WithTheSameEngine()
    {
        var data = _mlContext.Transforms.LoadImages("Image", TestImages.Set5Folder, "Path").Fit(Set5Paths()).Transform(Set5Paths());
        using var transformer = _mlContext.Transforms.SuperResolve(Options()).Fit(data);
        using var input = TestImages.Load("head.png");
        using var output = transformer.Upscale(input);
        Assert.Equal((560, 560), (output.Width, output.Height));
        Assert.Equal("CPU", transformer.ExecutionProvider);
    }
}
