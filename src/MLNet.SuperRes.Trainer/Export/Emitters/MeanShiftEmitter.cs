using MLNet.SuperRes.Trainer.Archs;
using static MLNet.SuperRes.Trainer.Export.OnnxGraphBuilder;

namespace MLNet.SuperRes.Trainer.Export.Emitters;

/// <summary>MeanShift: its fixed 1x1 convolution, with the weight and bias the checkpoint holds.</summary>
internal static class MeanShiftEmitter
{
    public static string Emit(OnnxGraphBuilder graph, MeanShift meanShift, string input, string path)
    {
        var weight = graph.Weight(ModuleEmitter.Join(path, "weight"), ModuleEmitter.Parameter(meanShift, "weight"));
        var bias = graph.Weight(ModuleEmitter.Join(path, "bias"), ModuleEmitter.Parameter(meanShift, "bias"));
        return graph.Node("Conv", path, new[] { input, weight, bias }, Ints("kernel_shape", 1L, 1L));
    }
}
