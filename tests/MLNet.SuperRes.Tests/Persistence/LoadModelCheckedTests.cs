using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit.Abstractions;

namespace MLNet.SuperRes.Tests.Persistence;

/// <summary>LoadModelChecked refuses a damaged saved pipeline at load, naming the stage, never at the first prediction.</summary>
public sealed class LoadModelCheckedTests(ITestOutputHelper output) : IDisposable
{
    private readonly MLContext _mlContext = new(seed: 1);
    private readonly string _folder = Directory.CreateTempSubdirectory("superres-saved-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public sealed class ImagePath
    {
        public string Path { get; set; } = "";
    }

    private IDataView Paths() => _mlContext.Data.LoadFromEnumerable(new[] { new ImagePath { Path = "bird.png" } });

    /// <summary>Saves LoadImagesChecked -> SuperResolve and returns the file and its output pixels.</summary>
    private (string Path, byte[] Pixels) SavedPipeline()
    {
        var pipeline = _mlContext.Transforms.LoadImagesChecked("Image", TestImages.Set5Folder, "Path")
            .Append(_mlContext.Transforms.SuperResolve(new SuperResolutionOptions
            {
                OutputColumnName = "Sr", InputColumnName = "Image", ModelBytes = TestOnnxModels.ConvUpscaler(2),
            }));
        using var model = pipeline.Fit(Paths());
        string path = Path.Combine(_folder, "pipeline.zip");
        _mlContext.Model.Save(model, Paths().Schema, path);
        return (path, Predict(model));
    }

    private byte[] Predict(ITransformer model)
    {
        var data = model.Transform(Paths());
        using var cursor = data.GetRowCursor(data.Schema);
        var getter = cursor.GetGetter<MLImage>(data.Schema["Sr"]);
        MLImage image = null!;
        Assert.True(cursor.MoveNext());
        getter(ref image);
        using (image)
            return TestImages.Rgba(image);
    }

    [Fact]
    public void AnIntactModelLoadsWithoutRegisteringAnything()
    {
        var (path, expected) = SavedPipeline();
        var model = new MLContext(seed: 3).LoadModelChecked(path, out var schema);
        Assert.NotNull(schema.GetColumnOrNull("Path"));
        Assert.Equal(expected, Predict(model));
    }

    [Fact]
    public void EveryByteFlipIsRefusedAtLoadOrChangesNothing()
    {
        var (path, expected) = SavedPipeline();
        byte[] original = File.ReadAllBytes(path);
        var random = new Random(5);
        int refused = 0;
        for (int trial = 0; trial < 14; trial++)
        {
            byte[] bytes = (byte[])original.Clone();
            bytes[random.Next(bytes.Length)] ^= 0x5A;
            string damaged = Path.Combine(_folder, $"flip{trial}.zip");
            File.WriteAllBytes(damaged, bytes);
            ITransformer model;
            try
            {
                model = new MLContext(seed: 3).LoadModelChecked(damaged, out _);
            }
            catch (InvalidDataException e)
            {
                output.WriteLine(e.Message);
                Assert.Contains(damaged, e.Message);
                refused++;
                continue;
            }
            Assert.Equal(expected, Predict(model)); // the flip hit bytes no one reads (a timestamp, say)
        }
        Assert.True(refused >= 10, $"only {refused} of 14 flips were refused");
    }

    [Fact]
    public void ADamagedEntryIsNamedByItsStage()
    {
        var (path, _) = SavedPipeline();
        string damaged = Path.Combine(_folder, "damaged.zip");
        RewriteLargestEntry(path, damaged, content => content[content.Length / 2] ^= 0x5A, keepCrc: true);
        var e = Assert.Throws<InvalidDataException>(() => new MLContext().LoadModelChecked(damaged, out _));
        Assert.Contains("CRC-32", e.Message);
        Assert.Matches(@"stage \d+(\.\d+)* of the pipeline", e.Message);
    }

    [Fact]
    public void AStoredModelAlteredWithItsChecksumRedoneIsRefusedAtLoad()
    {
        var (path, _) = SavedPipeline();
        string tampered = Path.Combine(_folder, "tampered.zip");
        RewriteLargestEntry(path, tampered, content => content[content.Length / 2] ^= 0x5A, keepCrc: false);
        var e = Assert.Throws<InvalidDataException>(() => new MLContext().LoadModelChecked(tampered, out _));
        output.WriteLine(e.Message);
        Assert.Contains(tampered, e.Message);
    }

    [Fact]
    public void TheLoadedPipelineFailsAsTheFittedOneDoes_NamingColumnAndRow()
    {
        var pipeline = _mlContext.Transforms.LoadImagesChecked("Image", TestImages.Set5Folder, "Path")
            .Append(_mlContext.Transforms.SuperResolve(new SuperResolutionOptions
            {
                OutputColumnName = "Sr", InputColumnName = "Image", ModelBytes = TestOnnxModels.ConvUpscaler(2), MaxInputPixels = 288 * 287,
            }));
        string path = Path.Combine(_folder, "limited.zip");
        string fittedError;
        using (var fitted = pipeline.Fit(Paths()))
        {
            fittedError = Assert.Throws<InvalidOperationException>(() => Predict(fitted)).Message;
            _mlContext.Model.Save(fitted, Paths().Schema, path);
        }
        Assert.Contains("column 'Image' at row 0", fittedError);

        using var loaded = new MLContext(seed: 3).LoadModelChecked(path, out _);
        Assert.Equal(fittedError, Assert.Throws<InvalidOperationException>(() => Predict(loaded)).Message);
    }

    [Fact]
    public void DisposingTheLoadedPipelineReleasesItsSessions()
    {
        var (path, expected) = SavedPipeline();
        var loaded = new MLContext(seed: 3).LoadModelChecked(path, out _);
        Assert.Equal(expected, Predict(loaded));
        Assert.Single(loaded.OfType<SuperResolutionTransformer>());
        loaded.Dispose();
        Assert.IsType<ObjectDisposedException>(Assert.ThrowsAny<Exception>(() => Predict(loaded)).GetBaseException());
    }

    [Fact]
    public void AStageSavedBeforeItsColumnsWereRecordedLoadsAsSaved()
    {
        var (_, expected) = SavedPipeline();
        var loader = _mlContext.Transforms.LoadImagesChecked("Image", TestImages.Set5Folder, "Path").Fit(Paths());
        var imageType = loader.GetOutputSchema(Paths().Schema)["Image"].Type;
        using var resolver = new SuperResolver(new SuperResolutionOptions { ModelBytes = TestOnnxModels.ConvUpscaler(2) });
        string settings = MLNet.SuperRes.Persistence.PersistedSettings.From(resolver.Model, resolver.Options, imageType);
        Assert.DoesNotContain("column", settings);
        using var stage = MLNet.SuperRes.Persistence.SavedPipeline.Build("Image", "Sr", imageType, settings);
        string path = Path.Combine(_folder, "before-columns.zip");
        _mlContext.Model.Save(new TransformerChain<ITransformer>(loader, stage), Paths().Schema, path);

        using var loaded = new MLContext(seed: 3).LoadModelChecked(path, out _);
        Assert.Empty(loaded.OfType<SuperResolutionTransformer>());
        Assert.Equal(expected, Predict(loaded));
    }

    [Fact]
    public void NotAModelIsSaid()
    {
        string text = Path.Combine(_folder, "notes.zip");
        File.WriteAllText(text, "hello");
        Assert.Contains("is not a saved ML.NET model", Assert.Throws<InvalidDataException>(() => _mlContext.LoadModelChecked(text, out _)).Message);
        Assert.Throws<FileNotFoundException>(() => _mlContext.LoadModelChecked(Path.Combine(_folder, "missing.zip"), out _));
    }

    /// <summary>
    /// Copies the saved model with its largest entry (the stage settings that carry the ONNX model) altered: with
    /// <paramref name="keepCrc"/> the zip still declares the old CRC-32 (damage on disk), otherwise it is
    /// rewritten consistently (deliberate tampering).
    /// </summary>
    private static void RewriteLargestEntry(string source, string destination, Action<byte[]> alter, bool keepCrc)
    {
        using (var input = ZipFile.OpenRead(source))
        using (var output = ZipFile.Open(destination, ZipArchiveMode.Create))
        {
            var largest = input.Entries.MaxBy(e => e.Length)!;
            foreach (var entry in input.Entries)
            {
                using var read = entry.Open();
                using var buffer = new MemoryStream();
                read.CopyTo(buffer);
                byte[] content = buffer.ToArray();
                if (entry == largest) alter(content);
                using var write = output.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                write.Write(content);
            }
        }
        if (!keepCrc) return;
        // Put the original CRC back in both headers of the altered entry, so only the data disagrees with it.
        byte[] zip = File.ReadAllBytes(destination);
        uint originalCrc;
        string name;
        using (var input = ZipFile.OpenRead(source))
        {
            var largest = input.Entries.MaxBy(e => e.Length)!;
            originalCrc = largest.Crc32;
            name = largest.FullName;
        }
        uint newCrc;
        using (var altered = ZipFile.OpenRead(destination))
            newCrc = altered.Entries.Single(e => e.FullName == name).Crc32;
        byte[] from = BitConverter.GetBytes(newCrc), to = BitConverter.GetBytes(originalCrc);
        for (int i = 0; i + 4 <= zip.Length; i++)
            if (zip.AsSpan(i, 4).SequenceEqual(from))
                to.CopyTo(zip, i);
        File.WriteAllBytes(destination, zip);
    }
}
