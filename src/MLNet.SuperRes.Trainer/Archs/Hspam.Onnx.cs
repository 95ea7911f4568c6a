using MLNet.SuperRes.OnnxGraphs;
using MLNet.SuperRes.Trainer.Export;
using static MLNet.SuperRes.Trainer.Export.OnnxNames;

namespace MLNet.SuperRes.Trainer.Archs;

public sealed partial class Hspam : IOnnxForm
{
    string IOnnxForm.EmitOnnx(OnnxGraphBuilder graph, string input, string path)
    {
        var x = OnnxLayers.Emit(graph, body, input, Join(path, nameof(body)));
        return graph.Node("Add", path, new[] { OnnxLayers.Scaled(graph, x, ResScale, path), input });
    }
}
