using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using MLNet.SuperRes.Trainer.Commands;
using Onnx;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Tests.Export;

public class ExportCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("hspan-export-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = ExportCommand.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static Dictionary<string, string> MetadataOf(string onnxPath) =>
        ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnxPath)).MetadataProps.ToDictionary(p => p.Key, p => p.Value);

    [Theory]
    [InlineData("hspan-x2.onnx")]
    [InlineData("hspan-x4.onnx")]
    public void AnEmbeddedDefaultExportedAgainFromItsOwnWeightsIsTheSameFileByteForByte(string name)
    {
        // The weights read back under their state_dict names (OnnxNames), the graph written from the modules' own ONNX forms.
        string committed = Path.Combine(SharedData.RepoRoot, "src", "MLNet.SuperRes", "Models", name);
        string copy = Path.Combine(dir, name), again = Path.Combine(dir, "again.onnx");
        File.Copy(committed, copy);
        var (code, _, error) = Run("--checkpoint", copy, "--output", again);
        Assert.True(code == 0, error);
        Assert.Equal(File.ReadAllBytes(committed), File.ReadAllBytes(again));
    }

    [Fact]
    public void AnOutputThatIsTheCheckpointIsRefused()
    {
        string checkpoint = Path.Combine(dir, "model.safetensors");
        File.Copy(Reference.PathOf("x2_small.weights.safetensors"), checkpoint);
        byte[] before = File.ReadAllBytes(checkpoint);
        var (code, _, error) = Run("--checkpoint", checkpoint, "--output", checkpoint);
        Assert.Equal(2, code);
        Assert.Contains("is the checkpoint itself", error);
        Assert.Equal(before, File.ReadAllBytes(checkpoint));
    }

    [Fact]
    public void AnOutputThatCannotBeWrittenIsNamedBeforeTheCheckpointIsRead()
    {
        string blocked = Path.Combine(dir, "a-file");
        File.WriteAllText(blocked, "x");
        var (code, _, error) = Run("--checkpoint", Path.Combine(dir, "missing.safetensors"), "--output", Path.Combine(blocked, "x2.onnx"));
        Assert.Equal(1, code);
        Assert.Contains("Cannot write", error);
        Assert.Contains("x2.onnx", error);
        Assert.DoesNotContain("missing.safetensors", error);
    }

    [Fact]
    public void OfficialPtExportsAndVerifies()
    {
        var onnx = Path.Combine(dir, "sub", "x2.onnx");
        var (code, output, error) = Run("--checkpoint", Reference.PathOf("x2_small.pt"), "--topk", "16", "--res-scale", "0.1", "--output", onnx, "--verify");

        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.Contains("max abs difference", output);
        Assert.Contains("Verified", output);
        var metadata = MetadataOf(onnx);
        Assert.Equal("x2_small.pt", metadata["source"]);
        Assert.Equal("16", metadata["topk"]);
        Assert.Equal("2", metadata["scale"]);
        Assert.DoesNotContain("iterations", metadata.Keys);
    }

    [Fact]
    public void OwnCheckpointCarriesItsConfigurationAndIterations()
    {
        manual_seed(4);
        var checkpoint = Path.Combine(dir, "run.safetensors");
        using (var model = new Hspan(new HspanConfig { NResGroups = 1, NResBlocks = 1, NFeats = 8, TopK = 5, ResScale = 0.5, Scale = 3 }))
            HspanCheckpoint.Save(model, checkpoint, new Dictionary<string, string> { ["iterations"] = "4200" });
        var onnx = Path.Combine(dir, "run.onnx");

        var (code, _, error) = Run("--checkpoint", checkpoint, "--output", onnx);

        Assert.True(code == 0, $"exit {code}: {error}");
        var metadata = MetadataOf(onnx);
        Assert.Equal(("5", "0.5", "3", "4200", "run.safetensors"),
            (metadata["topk"], metadata["res_scale"], metadata["scale"], metadata["iterations"], metadata["source"]));
    }

    [Theory]
    [InlineData(new[] { "--output", "m.onnx" }, "--checkpoint is required")]
    [InlineData(new[] { "--checkpoint", "c.pt" }, "--output is required")]
    [InlineData(new[] { "--checkpoint", "c.pt", "--output", "m.onnx", "--topk", "0" }, "--topk must be a whole number of at least 1")]
    [InlineData(new[] { "--checkpoint", "c.pt", "--output", "m.onnx", "--res-scale", "abc" }, "--res-scale must be a finite number")]
    [InlineData(new[] { "--checkpoint", "c.pt", "--output", "m.onnx", "--fast" }, "unknown option '--fast'")]
    [InlineData(new[] { "--checkpoint", "--output", "m.onnx" }, "option --checkpoint needs a value")]
    public void UsageErrorsExitWith2AndSayWhatIsWrong(string[] args, string message)
    {
        var (code, _, error) = Run(args);
        Assert.Equal(2, code);
        Assert.Contains(message, error);
        Assert.Contains("usage:", error);
    }

    [Theory]
    [InlineData(new[] { "--int8" }, "--int8 needs --calibrate FOLDER")]
    [InlineData(new[] { "--int8", "--calibrate", "{missing}" }, "--calibrate folder '{missing}' does not exist")]
    [InlineData(new[] { "--int8", "--calibrate", "{empty}" }, "--calibrate folder '{empty}' holds no image")]
    [InlineData(new[] { "--int8", "--calibrate", "{file}" }, "--calibrate '{file}' is a file")]
    [InlineData(new[] { "--int8", "--calibrate", "," }, "--calibrate ',' names no folder")]
    [InlineData(new[] { "--int8", "--calibrate", "{t91}", "--calibrate-images", "0" }, "--calibrate-images must be a whole number of at least 1, got '0'")]
    [InlineData(new[] { "--int8", "--calibrate", "{t91}", "--calibration-statistic", "mse" }, "--calibration-statistic must be minmax or percentile, got 'mse'")]
    [InlineData(new[] { "--calibrate", "{t91}" }, "--calibrate, --calibrate-images and --calibration-statistic belong to --int8")]
    [InlineData(new[] { "--calibrate-images", "4" }, "belong to --int8, which is not given")]
    public void Int8UsageErrorsExitWith2AndNameWhatIsWrong(string[] int8Args, string message)
    {
        string empty = Directory.CreateDirectory(Path.Combine(dir, "empty")).FullName;
        string file = Path.Combine(dir, "file.png");
        File.WriteAllText(file, "");
        string Fill(string text) => text.Replace("{missing}", Path.Combine(dir, "missing")).Replace("{empty}", empty).Replace("{file}", file)
            .Replace("{t91}", Path.Combine(SharedData.Data, "train", "T91"));
        var onnx = Path.Combine(dir, "m.onnx");
        var (code, _, error) = Run(["--checkpoint", Reference.PathOf("x2_small.weights.safetensors"), "--output", onnx, .. int8Args.Select(Fill)]);
        Assert.Equal(2, code);
        Assert.Contains(Fill(message), error);
        Assert.Contains("usage:", error);
        Assert.False(File.Exists(onnx));
    }

    [Fact]
    public void Int8ExportIsQuantizedCalibratedAndMarked_AndCannotSeedTraining()
    {
        var onnx = Path.Combine(dir, "x2-int8.onnx");
        var (code, output, error) = Run("--checkpoint", Reference.PathOf("x2_small.weights.safetensors"), "--topk", "16", "--output", onnx, "--verify",
            "--int8", "--calibrate", Path.Combine(SharedData.Data, "train", "T91"), "--calibrate-images", "2");

        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.DoesNotContain("warning", error);
        Assert.Contains("Verified", output); // the float graph, before quantization
        Assert.Contains("Calibrated on 2 images (8 LR crops, Percentile)", output);
        Assert.Contains("Int8 against float32", output);
        var metadata = MetadataOf(onnx);
        Assert.Equal(("int8", "2", "x2_small.weights.safetensors"), (metadata["precision"], metadata["scale"], metadata["source"]));
        Assert.StartsWith("2 images, 8 LR crops of 40 px, Percentile", metadata["calibration"]);
        var graph = ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx)).Graph;
        Assert.Contains(graph.Node, n => n.OpType == "QuantizeLinear");

        var refused = Assert.Throws<InvalidDataException>(() => HspanCheckpoint.Read(onnx));
        Assert.Contains("is quantized (int8); its weights cannot seed a float network", refused.Message);
    }

    [Fact]
    public void CalibratingOnATestSetIsWarnedAbout()
    {
        var onnx = Path.Combine(dir, "x2-int8.onnx");
        string set5 = Path.Combine(SharedData.Data, "Set5");
        var (code, _, error) = Run("--checkpoint", Reference.PathOf("x2_small.weights.safetensors"), "--topk", "16", "--output", onnx,
            "--int8", "--calibrate", set5 + Path.DirectorySeparatorChar, "--calibrate-images", "1");
        Assert.True(code == 0, $"exit {code}: {error}");
        Assert.Contains("a benchmark test set; scores on it will flatter the int8 model", error);
    }

    [Fact]
    public void MissingCheckpointIsNamedAndNothingIsWritten()
    {
        var missing = Path.Combine(dir, "nope.pt");
        var onnx = Path.Combine(dir, "m.onnx");
        var (code, _, error) = Run("--checkpoint", missing, "--output", onnx);
        Assert.Equal(1, code);
        Assert.Contains(missing, error);
        Assert.False(File.Exists(onnx));
    }

    [Fact]
    public void FileThatIsNoCheckpointIsRefused()
    {
        var bogus = Path.Combine(dir, "bogus.pt");
        File.WriteAllText(bogus, "not a model");
        var (code, _, error) = Run("--checkpoint", bogus, "--output", Path.Combine(dir, "m.onnx"));
        Assert.Equal(1, code);
        Assert.Contains("neither a PyTorch .pt (zip) file nor a .safetensors file", error);
    }
}
