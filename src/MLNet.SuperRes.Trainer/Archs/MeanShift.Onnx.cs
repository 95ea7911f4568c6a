using MLNet.SuperRes.OnnxGraphs;
using MLNet.SuperRes.Trainer.Export;
using static MLNet.SuperRes.OnnxGraphs.OnnxGraphBuilder;
using static MLNet.SuperRes.Trainer.Export.OnnxNames;

namespace MLNet.SuperRes.Trainer.Archs;

public sealed partial class MeanShift : IOnnxForm
{
    /// <summary>Its fixed 1x1 convolution, with the weight and bias the checkpoint holds.</summary>
    string IOnnxForm.EmitOnnx(OnnxGraphBuilder graph, string input, string path) =>
        graph.Node("Conv", path, new[] { input, graph.Weight(Join(path, nameof(weight)), weight), graph.Weight(Join(path, nameof(bias)), bias) },
            Ints("kernel_shape", 1L, 1L));
}
