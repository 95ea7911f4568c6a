using MLNet.SuperRes.OnnxGraphs;
using MLNet.SuperRes.Trainer.Export;
using static MLNet.SuperRes.Trainer.Export.OnnxNames;

namespace MLNet.SuperRes.Trainer.Archs;

public sealed partial class Hspan : IOnnxForm
{
    /// <summary>As <see cref="Upscale"/>: [0, 1] in and out, the rgb_range scaling inside.</summary>
    string IOnnxForm.EmitOnnx(OnnxGraphBuilder graph, string input, string path)
    {
        double range = Config.RgbRange;
        var x = range == 1.0 ? input : graph.Node("Mul", Join(path, "to_rgb_range"), new[] { input, graph.Scalar((float)range) });
        var features = OnnxLayers.Emit(graph, head, OnnxLayers.Emit(graph, sub_mean, x, Join(path, nameof(sub_mean))), Join(path, nameof(head)));
        var residual = graph.Node("Add", Join(path, "body_residual"), new[] { OnnxLayers.Emit(graph, body, features, Join(path, nameof(body))), features });
        var y = OnnxLayers.Emit(graph, add_mean, OnnxLayers.Emit(graph, tail, residual, Join(path, nameof(tail))), Join(path, nameof(add_mean)));
        return range == 1.0 ? y : graph.Node("Mul", Join(path, "from_rgb_range"), new[] { y, graph.Scalar((float)(1.0 / range)) });
    }
}
