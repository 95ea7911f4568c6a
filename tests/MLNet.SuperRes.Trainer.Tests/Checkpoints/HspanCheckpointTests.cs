using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Tests.Checkpoints;

public class HspanCheckpointTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hspan-ckpt-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static HspanConfig Tiny(int scale = 2) => new()
    {
        NResGroups = 1, NResBlocks = 1, NFeats = 8, Reduction = 2, TopK = 6, ResScale = 0.5, Scale = scale,
    };

    [Fact]
    public void PaperDefaultsAreTheConfigurationDefaults()
    {
        var c = new HspanConfig();
        Assert.Equal((10, 4, 192, 2, 128, 0.1), (c.NResGroups, c.NResBlocks, c.NFeats, c.Reduction, c.TopK, c.ResScale));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void OwnCheckpointAloneRebuildsTheModel(int scale)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = new Hspan(Tiny(scale));
        var path = Path.Combine(dir, "model.safetensors");
        HspanCheckpoint.Save(model, path, new Dictionary<string, string> { ["iterations"] = "12" });

        using var loaded = HspanCheckpoint.Load(path);
        Assert.Equal(model.Config, loaded.Config);
        using (var file = HspanCheckpoint.Read(path)) Assert.Equal("12", file.Metadata["iterations"]);

        var input = rand(1, 3, 9, 7);
        model.eval(); loaded.eval();
        using var _ = no_grad();
        Assert.True(model.call(input).eq(loaded.call(input)).all().item<bool>());
    }

    [Fact]
    public void OptionsOverrideTopKAndResScale()
    {
        var path = Path.Combine(dir, "model.safetensors");
        using (var model = new Hspan(Tiny())) HspanCheckpoint.Save(model, path);
        using var loaded = HspanCheckpoint.Load(path, topk: 3, resScale: 0.25);
        Assert.Equal(3, loaded.Config.TopK);
        Assert.Equal(0.25, loaded.Config.ResScale);
    }

    [Fact]
    public void OfficialFilesGetThePaperTopKAndResScaleByDefault()
    {
        using var loaded = HspanCheckpoint.Load(Reference.PathOf("x2_small.pt"));
        Assert.Equal(128, loaded.Config.TopK);
        Assert.Equal(0.1, loaded.Config.ResScale);
        Assert.Equal(32, loaded.Config.NFeats);
    }

    [Fact]
    public void MissingExtraAndMisshapenTensorsAreNamedAndNothingIsLoaded()
    {
        using var scope = NewDisposeScope();
        using var file = HspanCheckpoint.Read(Reference.PathOf("x2_small.weights.safetensors"));
        var tensors = file.Tensors;
        tensors.Remove("body.1.body.3.weight", out var removed);
        removed!.Dispose();
        tensors["body.0.body.2.extra"] = zeros(2);
        tensors["tail.1.bias"].Dispose();
        tensors["tail.1.bias"] = zeros(4);

        using var model = new Hspan(Reference.Config("x2_small"));
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var e = Assert.Throws<InvalidDataException>(() => HspanCheckpoint.LoadStateDict(model, tensors, "edited"));

        Assert.Contains("missing: body.1.body.3.weight", e.Message);
        Assert.Contains("unexpected: body.0.body.2.extra", e.Message);
        Assert.Contains("tail.1.bias (checkpoint [4], model [3])", e.Message);
        foreach (var (key, value) in model.state_dict())
            Assert.True(value.eq(before[key]).all().item<bool>(), $"{key} changed although loading failed");
    }

    [Theory]
    [InlineData("body.0.body.0.body.0.weight")]
    [InlineData("body.0.body.1.body.2.bias")]
    public void AMissingLebTensorIsNamedAsMissing_NotTakenForAnotherStructure(string key)
    {
        string path = Path.Combine(dir, "edited.safetensors");
        using var model = new Hspan(Reference.Config("x2_small"));
        using (var file = HspanCheckpoint.Read(Reference.PathOf("x2_small.weights.safetensors")))
        {
            file.Tensors.Remove(key, out var removed);
            removed!.Dispose();
            SafeTensors.Write(path, file.Tensors, new Dictionary<string, string>());
        }
        var e = Assert.Throws<InvalidDataException>(() => HspanCheckpoint.Load(path));
        Assert.Contains($"missing: {key}.", e.Message);
        Assert.Contains($"NResBlocks = {model.Config.NResBlocks},", e.Message);
    }

    [Fact]
    public void AZipWithoutAPickleAndAnEmptyOnnxFileAreCalledWhatTheyAre()
    {
        string zip = Path.Combine(dir, "junk.pt"), onnx = Path.Combine(dir, "empty.onnx");
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
            using (var writer = new StreamWriter(archive.CreateEntry("hello.txt").Open())) writer.Write("hi");
        File.WriteAllBytes(onnx, []);
        Assert.Contains("is a zip file but not a PyTorch checkpoint: it holds no data.pkl", Assert.Throws<InvalidDataException>(() => HspanCheckpoint.Load(zip)).Message);
        Assert.Contains("is empty, not an ONNX model", Assert.Throws<InvalidDataException>(() => HspanCheckpoint.Load(onnx)).Message);
    }

    [Fact]
    public void CheckpointWhoseRecordedConfigContradictsItsTensorsIsRefused()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(dir, "model.safetensors");
        using var model = new Hspan(Tiny());
        SafeTensors.Write(path, model.state_dict(), new Dictionary<string, string>
        {
            [HspanCheckpoint.ConfigKey] = System.Text.Json.JsonSerializer.Serialize(Tiny() with { NFeats = 16 }),
        });
        var e = Assert.Throws<InvalidDataException>(() => HspanCheckpoint.Load(path));
        Assert.Contains("does not match its tensors", e.Message);
    }

    [Fact]
    public void MissingFileIsReportedByName()
    {
        var path = Path.Combine(dir, "nope.pt");
        var e = Assert.Throws<FileNotFoundException>(() => HspanCheckpoint.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 })]
    [InlineData(new byte[] { 0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19 })]
    public void GarbageIsRefused(byte[] content)
    {
        var path = Path.Combine(dir, "bad.pt");
        File.WriteAllBytes(path, content);
        var e = Assert.Throws<InvalidDataException>(() => HspanCheckpoint.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void TruncatedSafetensorsIsRefused()
    {
        var path = Path.Combine(dir, "cut.safetensors");
        var bytes = File.ReadAllBytes(Reference.PathOf("x2_small.weights.safetensors"));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => HspanCheckpoint.Load(path));
        Assert.Contains("do not fit", e.Message);
    }

    [Fact]
    public void NonHspanStateDictIsRefused()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(dir, "other.safetensors");
        SafeTensors.Write(path, new Dictionary<string, Tensor> { ["fc.weight"] = zeros(2, 2) });
        var e = Assert.Throws<InvalidDataException>(() => HspanCheckpoint.Load(path));
        Assert.Contains("not an HSPAN state_dict", e.Message);
    }
}
