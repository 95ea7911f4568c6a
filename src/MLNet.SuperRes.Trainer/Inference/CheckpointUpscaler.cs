using Microsoft.ML.Data;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Evaluation;
using MLNet.SuperRes.Evaluation.Images;
using MLNet.SuperRes.Trainer.Archs;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Inference;

/// <summary>
/// Scores a TorchSharp HSPAN with the runtime's own tiled engine (the one SuperResolve runs an ONNX
/// model with): same tiles, blend, grey and alpha handling, 8-bit output, so a checkpoint and its export
/// score alike.
/// </summary>
public sealed class CheckpointUpscaler : IUpscaler, IDisposable
{
    private readonly Hspan model;
    private readonly bool ownsModel;
    private readonly TiledUpscaler engine;

    /// <param name="ownsModel">Whether <see cref="Dispose"/> disposes <paramref name="model"/> (a network opened for this upscaler alone).</param>
    public CheckpointUpscaler(Hspan model, Device device, TilePlan tiling, bool selfEnsemble = false, bool ownsModel = false)
    {
        this.model = model;
        this.ownsModel = ownsModel;
        engine = new TiledUpscaler(new TorchTileNetwork(model, device), tiling, selfEnsemble);
    }

    public void Dispose()
    {
        if (ownsModel) model.Dispose();
    }

    public int Scale => engine.Scale;

    public Hspan Model => model;

    public RgbImage Upscale(RgbImage lowRes)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            var output = engine.Upscale(lowRes.ToRgba32(), lowRes.Width, lowRes.Height, MLPixelFormat.Rgba32);
            return RgbImage.FromRgba32(output, lowRes.Width * Scale, lowRes.Height * Scale);
        }
        finally { model.train(wasTraining); }
    }
}
