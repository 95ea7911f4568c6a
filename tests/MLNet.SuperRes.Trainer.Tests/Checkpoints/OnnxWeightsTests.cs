using MLNet.SuperRes.Trainer.Commands;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using MLNet.SuperRes.Evaluation.Images;
using MLNet.SuperRes.Evaluation;
using MLNet.SuperRes.Trainer.Export;
using MLNet.SuperRes.Trainer.Inference;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Tests.Checkpoints;

/// <summary>An ONNX model from the exporter reads back as a checkpoint: same tensors, same configuration, same output.</summary>
public sealed class OnnxWeightsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("superres-onnxweights-").FullName;

    [Fact]
    public void ExportedModel_ReadsBackWithEveryTensorAndItsConfiguration()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var config = new HspanConfig { NResGroups = 2, NResBlocks = 1, NFeats = 8, Reduction = 2, TopK = 5, ResScale = 0.25, Scale = 3 };
        string onnx = Path.Combine(_dir, "m.onnx");
        using var original = new Hspan(config);
        original.eval();
        HspanOnnxExporter.Export(original, onnx, new OnnxExportInfo("m", 1234));

        using (var file = HspanCheckpoint.Read(onnx))
        {
            Assert.Equal(config, HspanCheckpoint.ConfigFor(file));
            Assert.Equal("1234", file.Metadata["iterations"]);
        }
        using var loaded = HspanCheckpoint.Load(onnx);
        var expected = original.state_dict();
        var actual = loaded.state_dict();
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, value) in expected)
            Assert.True(value.shape.SequenceEqual(actual[key].shape) && value.eq(actual[key]).all().item<bool>(), $"tensor '{key}' differs after the round trip");

        loaded.eval();
        using var _ = no_grad();
        var input = rand(1, 3, 11, 9);
        Assert.True(original.call(input).allclose(loaded.call(input)), "outputs differ");
    }

    [Theory]
    [InlineData(2, 30, 26)]
    [InlineData(2, 1, 1)]   // one key per row: the soft thresholding of a single score
    [InlineData(3, 1, 9)]   // one key per image row
    [InlineData(4, 7, 2)]
    [InlineData(2, 13, 5)]
    public void EmbeddedDefaultModel_RunsInTorchSharpAsInOnnxRuntime(int scale, int width, int height)
    {
        string onnx = Path.Combine(SharedData.RepoRoot, "src", "MLNet.SuperRes", "Models", $"hspan-x{scale}.onnx");
        var lowRes = RgbImage.Load(Path.Combine(SharedData.Data, "Set5", "butterfly.png")).Crop(60, 40, width, height);
        using var checkpoint = (CheckpointUpscaler)EvalModels.Open(SaveAsCheckpoint(onnx), scale);
        using var onnxRuntime = (OnnxModelUpscaler)EvalModels.Open(onnx, scale);
        var torch = checkpoint.Upscale(lowRes);
        var runtime = onnxRuntime.Upscale(lowRes);
        EightBitOutputs.AssertAgree(runtime, torch);
    }

    [Fact]
    public void ForeignOnnxModel_IsRefusedByName()
    {
        string foreign = Path.Combine(_dir, "foreign.onnx");
        File.WriteAllBytes(foreign, TestOnnxModels.Resize(2));
        var e = Assert.Throws<InvalidDataException>(() => HspanCheckpoint.Load(foreign));
        Assert.Contains("not one written by MLNet.SuperRes.Trainer", e.Message);
    }

    // EvalModels sends .onnx files to ONNX Runtime, so the weights go through a .safetensors checkpoint to reach TorchSharp.
    private string SaveAsCheckpoint(string onnx)
    {
        string path = Path.Combine(_dir, "from-onnx.safetensors");
        using var model = HspanCheckpoint.Load(onnx);
        HspanCheckpoint.Save(model, path);
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
