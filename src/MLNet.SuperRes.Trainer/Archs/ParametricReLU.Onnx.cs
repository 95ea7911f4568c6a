using MLNet.SuperRes.OnnxGraphs;
using MLNet.SuperRes.Trainer.Export;
using TorchSharp;
using static MLNet.SuperRes.Trainer.Export.OnnxNames;

namespace MLNet.SuperRes.Trainer.Archs;

public sealed partial class ParametricReLU : IOnnxForm
{
    /// <summary>
    /// One shared slope becomes LeakyRelu (which ONNX Runtime fuses into the preceding Conv) carrying the slope as an
    /// attribute, its output named after the module so the weight reads back (<see cref="OnnxNames.SharedSlopeOutput"/>);
    /// per-channel slopes PRelu with the weight as an initializer.
    /// </summary>
    string IOnnxForm.EmitOnnx(OnnxGraphBuilder graph, string input, string path)
    {
        if (weight.numel() == 1)
        {
            using var slope = weight.detach().to(torch.ScalarType.Float32).cpu();
            return graph.NodeNamed("LeakyRelu", SharedSlopeOutput(path), new[] { input }, OnnxGraphBuilder.Attr("alpha", slope.item<float>()));
        }
        using var scope = torch.NewDisposeScope();
        var perChannel = graph.Weight(Join(path, nameof(weight)), weight.reshape(-1, 1, 1));
        return graph.Node("PRelu", path, new[] { input, perChannel });
    }
}
