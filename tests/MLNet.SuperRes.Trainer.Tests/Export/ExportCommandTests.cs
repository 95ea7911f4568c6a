using MLNet.SuperRes.Trainer.Tests.Archs;
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
        HspanCheckpoint.Save(new Hspan(new HspanConfig { NResGroups = 1, NResBlocks = 1, NFeats = 8, TopK = 5, ResScale = 0.5, Scale = 3 }),
            checkpoint, new Dictionary<string, string> { ["iterations"] = "4200" });
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
