using MLNet.SuperRes.OnnxGraphs;
using MLNet.SuperRes.Trainer.Export;
using static MLNet.SuperRes.Trainer.Export.OnnxNames;

namespace MLNet.SuperRes.Trainer.Archs;

public sealed partial class Leb : IOnnxForm
{
    string IOnnxForm.EmitOnnx(OnnxGraphBuilder graph, string input, string path) =>
        graph.Node("Add", path, new[] { OnnxLayers.Emit(graph, body, input, Join(path, nameof(body))), input });
}
