using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Evaluation;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Checkpoints;
using MLNet.SuperRes.Trainer.Inference;
using MLNet.SuperRes.Trainer.Training;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Commands;

/// <summary>
/// Opens what <c>eval --model</c> names: "default" (the embedded default ONNX model), an .onnx file
/// (run by the runtime component), or a checkpoint (.pt, .safetensors, or a training folder).
/// </summary>
public static class EvalModels
{
    /// <param name="precision">Which embedded default "default" names (float32 or int8); ignored for other models.</param>
    public static IUpscaler Open(string model, int scale, TilePlan? tiling = null, int? topk = null, double? resScale = null, bool selfEnsemble = false,
        ModelPrecision precision = ModelPrecision.Float32)
    {
        if (model == "default" || model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            if (Directory.Exists(model)) throw new FileNotFoundException($"Model '{model}' is a folder, not an .onnx file.", model);
            if (model != "default" && !File.Exists(model)) throw new FileNotFoundException($"Model '{model}' does not exist.", model);
            return new OnnxModelUpscaler(model, scale, tiling, selfEnsemble, model == "default" ? precision : ModelPrecision.Float32);
        }
        return new CheckpointUpscaler(LoadNetwork(model, scale, topk, resScale), CPU, tiling ?? TilePlan.Default, selfEnsemble, ownsModel: true);
    }

    /// <summary>
    /// The TorchSharp network <paramref name="model"/> names: a checkpoint or training folder, an .onnx model
    /// written by export, or "default", the embedded default model for <paramref name="scale"/> (both read back
    /// by <see cref="OnnxWeights"/>).
    /// </summary>
    public static Hspan LoadNetwork(string model, int scale, int? topk = null, double? resScale = null)
    {
        if (model == "default")
        {
            using var weights = OnnxWeights.Read(DefaultModels.Read(scale), $"the default x{scale} model");
            return HspanCheckpoint.Load(weights, topk, resScale);
        }
        var path = Directory.Exists(model)
            ? new CheckpointDirectory(model).ModelPath(CheckpointDirectory.Latest)
              ?? throw new FileNotFoundException($"Model folder '{model}' holds no training checkpoint (no complete '{CheckpointDirectory.Latest}' snapshot).", model)
            : model;
        if (!File.Exists(path)) throw new FileNotFoundException($"Model '{model}' does not exist.", model);
        return HspanCheckpoint.Load(path, topk, resScale);
    }
}
