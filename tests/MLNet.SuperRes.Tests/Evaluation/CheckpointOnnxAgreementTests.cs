using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using MLNet.SuperRes.Trainer.Data;
using MLNet.SuperRes.Trainer.Evaluation;
using MLNet.SuperRes.Trainer.Export;

namespace MLNet.SuperRes.Tests.Evaluation;

/// <summary>
/// A checkpoint (TorchSharp) and its ONNX export (ONNX Runtime through SuperResolver) tile an image the
/// same way and blend with the same weights, so eval scores them alike: their outputs differ only by the
/// runtime's rounding to 8 bits.
/// </summary>
public sealed class CheckpointOnnxAgreementTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("superres-agree-").FullName;

    [Fact]
    public void CheckpointAndItsOnnxExport_GiveTheSameTiledOutput()
    {
        TorchSharp.torch.manual_seed(7);
        var config = new HspanConfig { NResGroups = 1, NResBlocks = 1, NFeats = 8, Reduction = 2, TopK = 8, Scale = 2 };
        string checkpoint = Path.Combine(_dir, "tiny.safetensors"), onnx = Path.Combine(_dir, "tiny.onnx");
        using (var model = new Hspan(config))
        {
            model.eval();
            HspanCheckpoint.Save(model, checkpoint);
            HspanOnnxExporter.Export(model, onnx, new OnnxExportInfo("tiny"));
        }

        var lowRes = RgbImage.Load(Path.Combine(SharedData.Data, "Set5", "bird.png")).Crop(100, 80, 45, 38);
        var tiling = new Tiling(16, 4); // 3 x 3 tiles
        var fromCheckpoint = ModelResolvers.Open(checkpoint, 2, tiling).Upscale(lowRes);
        var fromOnnx = ModelResolvers.Open(onnx, 2, tiling).Upscale(lowRes);

        Assert.Equal(fromCheckpoint.Length, fromOnnx.Length);
        double worst = 0;
        for (int i = 0; i < fromOnnx.Length; i++)
            worst = Math.Max(worst, Math.Abs(fromCheckpoint[i] - fromOnnx[i]));
        Assert.True(worst <= 0.5 / 255 + 1e-4, $"checkpoint and ONNX outputs differ by up to {worst * 255:F3}/255");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
