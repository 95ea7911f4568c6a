using MLNet.SuperRes.Trainer.Archs;
using TorchSharp;
using TorchSharp.Modules;
using static MLNet.SuperRes.Trainer.Export.OnnxGraphBuilder;

namespace MLNet.SuperRes.Trainer.Export.Emitters;

/// <summary>Sequential: its children in registration order.</summary>
internal static class SequentialEmitter
{
    public static string Emit(OnnxGraphBuilder graph, Sequential sequential, string input, string path)
    {
        var x = input;
        foreach (var (name, child) in sequential.named_children())
            x = ModuleEmitter.Emit(graph, child, x, ModuleEmitter.Join(path, name));
        return x;
    }
}

/// <summary>Conv2d with zero padding: ONNX Conv with the same weights.</summary>
internal static class Conv2dEmitter
{
    public static string Emit(OnnxGraphBuilder graph, Conv2d conv, string input, string path)
    {
        if (conv.transposed) throw new NotSupportedException($"ONNX export: '{path}' is a transposed convolution, which has no emitter.");
        if (conv.padding_mode != PaddingModes.Zeros) throw new NotSupportedException($"ONNX export: '{path}' pads with {conv.padding_mode}; only zero padding is exported.");
        if (conv.padding_type is not null) throw new NotSupportedException($"ONNX export: '{path}' uses padding '{conv.padding_type}'; only explicit padding is exported.");

        var inputs = new List<string> { input, graph.Weight(ModuleEmitter.Join(path, "weight"), conv.weight!) };
        if (conv.bias is not null) inputs.Add(graph.Weight(ModuleEmitter.Join(path, "bias"), conv.bias));
        long[] padding = conv.padding!;
        return graph.Node("Conv", path, inputs,
            Ints("kernel_shape", conv.kernel_size!),
            Ints("pads", padding.Concat(padding).ToArray()),
            Ints("strides", conv.stride!),
            Ints("dilations", conv.dilation!),
            Attr("group", conv.groups));
    }
}

/// <summary>PReLU: one shared slope becomes LeakyRelu (which ONNX Runtime fuses into the preceding Conv), per-channel slopes PRelu.</summary>
internal static class PReLUEmitter
{
    public static string Emit(OnnxGraphBuilder graph, ParametricReLU prelu, string input, string path)
    {
        var slope = prelu.Weight;
        if (slope.numel() == 1)
            return graph.Node("LeakyRelu", path, new[] { input }, Attr("alpha", slope.to(torch.ScalarType.Float32).cpu().item<float>()));
        var perChannel = graph.Weight(ModuleEmitter.Join(path, "weight"), slope.reshape(-1, 1, 1));
        return graph.Node("PRelu", path, new[] { input, perChannel });
    }
}

/// <summary>PixelShuffle: DepthToSpace in column-row-depth order, which is PyTorch's channel layout.</summary>
internal static class PixelShuffleEmitter
{
    public static string Emit(OnnxGraphBuilder graph, PixelShuffle shuffle, string input, string path) =>
        graph.Node("DepthToSpace", path, new[] { input }, Attr("blocksize", shuffle.upscale_factor), Attr("mode", "CRD"));
}
