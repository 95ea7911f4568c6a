using System.Text.Json;
using MLNet.SuperRes.Evaluation;
using MLNet.SuperRes.Trainer.Commands;
using MLNet.SuperRes.Trainer.Inference;
using Xunit;

namespace MLNet.SuperRes.Trainer.Tests.Commands;

public sealed class EvalCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("evalcommand-tests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Set5 => Path.Combine(SharedData.Data, "Set5");

    private static IUpscaler NoModels(EvalCommand.Options options) => throw new InvalidOperationException($"unexpected model {options.Model}");

    public static TheoryData<string[], string> BadOptions => new()
    {
        { ["--scale", "2", "--model", "bicubic"], "--data is required" },
        { ["--data", "DATA", "--model", "bicubic"], "--scale is required" },
        { ["--data", "DATA", "--scale", "2"], "--model is required" },
        { ["--data", "DATA", "--scale", "two", "--model", "bicubic"], "--scale must be" },
        { ["--data", "DATA", "--scale", "1", "--model", "bicubic"], "--scale must be" },
        { ["--data", "DATA", "--scale", "-2", "--model", "bicubic"], "--scale must be" },
        { ["--data", "DATA", "--scale", "2", "--model", "bicubic", "--fast"], "unknown option '--fast'" },
        { ["--data", "DATA", "--scale", "2", "--model"], "--model needs a value" },
        { ["--data", "DATA", "--scale", "--model", "bicubic"], "--scale needs a value" },
        { ["--data", "DATA", "--scale", "2", "--scale", "3", "--model", "bicubic"], "given twice" },
        { ["--data", "no/such/folder", "--scale", "2", "--model", "bicubic"], "does not exist" },
        { ["--data", "DATA", "--scale", "2", "--model", "m.onnx", "--tile", "4"], "--tile must be" },
        { ["--data", "DATA", "--scale", "2", "--model", "m.onnx", "--tile", "48", "--overlap", "24"], "less than half the tile (48)" },
        { ["--data", "DATA", "--scale", "2", "--model", "m.onnx", "--topk", "16"], "--topk and --res-scale apply to checkpoints" },
        { ["--data", "DATA", "--scale", "2", "--model", "default", "--res-scale", "0.5"], "--topk and --res-scale apply to checkpoints" },
        { ["--data", "DATA", "--scale", "2", "--model", "c.pt", "--topk", "0"], "--topk must be a whole number of at least 1" },
        { ["--data", "DATA", "--scale", "2", "--model", "default", "--precision", "int4"], "--precision must be fp32 or int8, got 'int4'" },
        { ["--data", "DATA", "--scale", "2", "--model", "m.onnx", "--precision", "int8"], "--precision chooses among the embedded default models (--model default); 'm.onnx' has its own precision" },
        { ["--data", "DATA", "--scale", "2", "--model", "bicubic", "--precision", "fp32"], "--precision chooses among the embedded default models" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void BadOptionsAreUsageErrors(string[] args, string expectedError)
    {
        args = args.Select(a => a == "DATA" ? Set5 : a).ToArray();
        Assert.False(EvalCommand.TryParse(args, out _, out string? error));
        Assert.Contains(expectedError, error);
        Assert.Equal(EvalCommand.UsageError, EvalCommand.Run(args, NoModels));
    }

    [Fact]
    public void OptionsAreParsed()
    {
        Assert.True(EvalCommand.TryParse(["--model", "m.onnx", "--self-ensemble", "--scale", "4", "--data", Set5, "--json", "out.json"], out var options, out _));
        Assert.Equal(new EvalCommand.Options(Set5, 4, "m.onnx", true, "out.json"), options);
        Assert.Null(options.Tiling); // the model decides, as in SuperResolve

        Assert.True(EvalCommand.TryParse(["--model", "m.onnx", "--scale", "2", "--data", Set5, "--tile", "48", "--overlap", "8"], out options, out _));
        Assert.Equal((48, 8, 48), (options.Tiling!.TileSize, options.Tiling.Overlap, options.Tiling.LargestTile));
        Assert.Equal(ModelPrecision.Float32, options.Precision);

        Assert.True(EvalCommand.TryParse(["--model", "default", "--scale", "3", "--data", Set5, "--precision", "int8"], out options, out _));
        Assert.Equal(ModelPrecision.Int8, options.Precision);
    }

    [Fact]
    public void BicubicRunWritesTheJsonReport()
    {
        string json = Path.Combine(_folder, "scores.json");
        Assert.Equal(0, EvalCommand.Run(["--data", Set5, "--scale", "4", "--model", "bicubic", "--json", json], NoModels));
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        var root = report.RootElement;
        Assert.Equal(5, root.GetProperty("images").GetArrayLength());
        Assert.Equal("baby", root.GetProperty("images")[0].GetProperty("name").GetString());
        Assert.Equal(28.42, root.GetProperty("mean").GetProperty("psnr").GetDouble(), 0.03);
        Assert.Equal("bicubic", root.GetProperty("model").GetString());
        Assert.Equal(4, root.GetProperty("scale").GetInt32());
        Assert.False(root.GetProperty("self_ensemble").GetBoolean());
    }

    [Fact]
    public void AJsonPathThatCannotBeWrittenFailsBeforeTheModelIsOpened()
    {
        string blocked = Path.Combine(_folder, "a-file");
        File.WriteAllText(blocked, "x");
        bool opened = false;
        int exitCode = EvalCommand.Run(["--data", Set5, "--scale", "2", "--model", "nearest", "--json", Path.Combine(blocked, "scores.json")],
            o => { opened = true; return new NearestUpscaler(o.Scale); });
        Assert.Equal(EvalCommand.Failure, exitCode);
        Assert.False(opened);
    }

    [Fact]
    public void OtherModelsComeFromTheCallerAndCanBeEnsembled()
    {
        var requests = new List<(string, int, bool)>();
        string json = Path.Combine(_folder, "scores.json");
        int exitCode = EvalCommand.Run(["--data", Set5, "--scale", "4", "--model", "nearest", "--self-ensemble", "--json", json],
            o => { requests.Add((o.Model, o.Scale, o.SelfEnsemble)); return new NearestUpscaler(o.Scale); });
        Assert.Equal(0, exitCode);
        Assert.Equal([("nearest", 4, true)], requests);
        using var report = JsonDocument.Parse(File.ReadAllText(json));
        Assert.True(report.RootElement.GetProperty("self_ensemble").GetBoolean());
        // Pixel replication is well below bicubic (28.4 dB on Set5 x4).
        Assert.InRange(report.RootElement.GetProperty("mean").GetProperty("psnr").GetDouble(), 20, 28);
    }

    [Fact]
    public void ATileBeyondTheMemoryBoundIsAUsageError()
    {
        Assert.False(EvalCommand.TryParse(["--data", Set5, "--scale", "2", "--model", "default", "--tile", "4096"], out _, out string? error));
        Assert.Contains("at most 128", error);
        Assert.True(EvalCommand.TryParse(["--data", Set5, "--scale", "2", "--model", "default", "--tile", "128"], out _, out _));
    }

    [Fact]
    public void BicubicHasNoSelfEnsemble() =>
        Assert.Equal(EvalCommand.UsageError, EvalCommand.Run(["--data", Set5, "--scale", "2", "--model", "bicubic", "--self-ensemble"], NoModels));

    [Fact]
    public void ModelWithAnotherScaleFails() =>
        Assert.Equal(EvalCommand.Failure, EvalCommand.Run(["--data", Set5, "--scale", "4", "--model", "x2"], _ => new NearestUpscaler(2)));

    [Fact]
    public void CorruptImageInTheFolderFails()
    {
        File.WriteAllText(Path.Combine(_folder, "broken.png"), "not an image");
        Assert.Equal(EvalCommand.Failure, EvalCommand.Run(["--data", _folder, "--scale", "2", "--model", "bicubic"], NoModels));
    }

    [Fact]
    public void ACheckpointTakesTopKAndResScale()
    {
        Assert.True(EvalCommand.TryParse(["--model", "c.pt", "--scale", "2", "--data", Set5, "--topk", "16", "--res-scale", "0.2"], out var options, out _));
        Assert.Equal((16, 0.2), (options.TopK, options.ResScale));
        Assert.True(EvalCommand.TryParse(["--model", "c.pt", "--scale", "2", "--data", Set5], out options, out _));
        Assert.Equal((null, null), (options.TopK, options.ResScale));
    }

    [Fact]
    public void TheOfficialCheckpointRunsWithTheTopKItWasMadeWith()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        // x2_small's reference output was computed with its own top-k, not the paper's 128 that eval assumed.
        var config = Reference.Config("x2_small");
        using var io = Reference.Tensors("x2_small.io.safetensors");
        var input = io["input"];
        var tiling = TilePlan.Exactly((int)Math.Max(input.shape[2], input.shape[3]), 0);
        using var upscaler = (CheckpointUpscaler)EvalModels.Open(Reference.PathOf("x2_small.pt"), 2, tiling, config.TopK, config.ResScale);
        Assert.Equal((config.TopK, config.ResScale), (upscaler.Model.Config.TopK, upscaler.Model.Config.ResScale));
        upscaler.Model.eval();
        using var _ = TorchSharp.torch.no_grad();
        var (max, _) = Reference.Difference(upscaler.Model.call(input), io["output"]);
        Assert.True(max <= 1e-4, $"max abs difference {max}");
    }
}
