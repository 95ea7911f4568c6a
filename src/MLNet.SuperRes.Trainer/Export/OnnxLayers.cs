using TorchSharp;
using TorchSharp.Modules;
using MLNet.SuperRes.OnnxGraphs;
using static MLNet.SuperRes.OnnxGraphs.OnnxGraphBuilder;
using static MLNet.SuperRes.Trainer.Export.OnnxNames;

namespace MLNet.SuperRes.Trainer.Export;

/// <summary>
/// Writes a module into an ONNX graph: ours write their own ONNX form (<see cref="IOnnxForm"/>, beside their
/// forward); TorchSharp's layers, which cannot, are written here, one case each.
/// </summary>
internal static class OnnxLayers
{
    /// <summary>Emits <paramref name="module"/> applied to the value <paramref name="input"/>; returns the output value's name.</summary>
    public static string Emit(OnnxGraphBuilder graph, torch.nn.Module module, string input, string path) => module switch
    {
        IOnnxForm own => own.EmitOnnx(graph, input, path),
        Sequential sequential => EmitSequential(graph, sequential, input, path),
        Conv2d conv => EmitConv2d(graph, conv, input, path),
        ReLU => graph.Node("Relu", path, new[] { input }),
        PixelShuffle shuffle => graph.Node("DepthToSpace", path, new[] { input }, Attr("blocksize", shuffle.upscale_factor), Attr("mode", "CRD")), // PyTorch's channel layout
        _ => throw new NotSupportedException($"ONNX export has no form for module '{path}' of type {module.GetType().Name}."),
    };

    /// <summary><paramref name="value"/> * <paramref name="scale"/>, or the value itself when the scale is 1.</summary>
    public static string Scaled(OnnxGraphBuilder graph, string value, double scale, string path) =>
        scale == 1.0 ? value : graph.Node("Mul", Join(path, "scaled"), new[] { value, graph.Scalar((float)scale) });

    /// <summary>Sequential: its children in registration order, named as the state_dict names them (0, 1, ...).</summary>
    private static string EmitSequential(OnnxGraphBuilder graph, Sequential sequential, string input, string path)
    {
        var x = input;
        foreach (var (name, child) in sequential.named_children())
            x = Emit(graph, child, x, Join(path, name));
        return x;
    }

    /// <summary>Conv2d with zero padding: ONNX Conv with the same weights.</summary>
    private static string EmitConv2d(OnnxGraphBuilder graph, Conv2d conv, string input, string path)
    {
        if (conv.transposed) throw new NotSupportedException($"ONNX export: '{path}' is a transposed convolution, which has no ONNX form here.");
        if (conv.padding_mode != PaddingModes.Zeros) throw new NotSupportedException($"ONNX export: '{path}' pads with {conv.padding_mode}; only zero padding is exported.");
        if (conv.padding_type is not null) throw new NotSupportedException($"ONNX export: '{path}' uses padding '{conv.padding_type}'; only explicit padding is exported.");

        var inputs = new List<string> { input, graph.Weight(Join(path, "weight"), conv.weight!) };
        if (conv.bias is not null) inputs.Add(graph.Weight(Join(path, "bias"), conv.bias));
        long[] padding = conv.padding!;
        return graph.Node("Conv", path, inputs,
            Ints("kernel_shape", conv.kernel_size!),
            Ints("pads", padding.Concat(padding).ToArray()),
            Ints("strides", conv.stride!),
            Ints("dilations", conv.dilation!),
            Attr("group", conv.groups));
    }
}
