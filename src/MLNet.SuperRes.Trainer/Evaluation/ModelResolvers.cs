using MLNet.SuperRes.Trainer.Checkpoints;
using MLNet.SuperRes.Trainer.Inference;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Evaluation;

/// <summary>
/// Opens what <c>eval --model</c> names: "default" (the embedded default ONNX model), an .onnx file
/// (run by the runtime component), or a checkpoint (.pt, .safetensors, or a training folder).
/// </summary>
public static class ModelResolvers
{
    public static ISuperResolver Open(string model, int scale, Tiling? tiling = null)
    {
        tiling ??= Tiling.Default;
        if (model == "default" || model.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase))
        {
            if (model != "default" && !File.Exists(model)) throw new FileNotFoundException($"Model '{model}' does not exist.", model);
            return new OnnxResolver(model, scale, tiling);
        }
        var path = Directory.Exists(model) ? Path.Combine(model, "latest", "model.safetensors") : model;
        if (!File.Exists(path)) throw new FileNotFoundException($"Model '{model}' does not exist.", model);
        var network = HspanCheckpoint.Load(path);
        return new TiledUpscaler(network, CPU, tiling.Tile, tiling.Overlap);
    }
}
