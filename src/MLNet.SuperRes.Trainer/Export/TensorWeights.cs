using System.Runtime.InteropServices;
using MLNet.SuperRes.OnnxGraphs;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Export;

/// <summary>TorchSharp parameters as the builder's weights.</summary>
internal static class TensorWeights
{
    /// <summary>
    /// Stores a float32 copy of <paramref name="tensor"/> as the initializer named exactly <paramref name="stateDictKey"/>
    /// (<see cref="OnnxNames"/>).
    /// </summary>
    public static string Weight(this OnnxGraphBuilder graph, string stateDictKey, Tensor tensor)
    {
        using var scope = NewDisposeScope();
        var cpu = tensor.detach().to(ScalarType.Float32).cpu().contiguous();
        return graph.Weight(stateDictKey, cpu.shape, MemoryMarshal.Cast<byte, float>(cpu.bytes));
    }
}
