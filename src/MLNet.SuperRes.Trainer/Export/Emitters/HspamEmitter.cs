using MLNet.SuperRes.Trainer.Archs;

namespace MLNet.SuperRes.Trainer.Export.Emitters;

/// <summary>HSPAM: body(x) * res_scale + x.</summary>
internal static class HspamEmitter
{
    public static string Emit(OnnxGraphBuilder graph, Hspam hspam, string input, string path)
    {
        var body = ModuleEmitter.Emit(graph, ModuleEmitter.Child(hspam, "body"), input, ModuleEmitter.Join(path, "body"));
        return graph.Node("Add", path, new[] { Scaled(graph, body, hspam.ResScale, path), input });
    }

    /// <summary><paramref name="value"/> * <paramref name="scale"/>, or the value itself when the scale is 1.</summary>
    public static string Scaled(OnnxGraphBuilder graph, string value, double scale, string path) =>
        scale == 1.0 ? value : graph.Node("Mul", ModuleEmitter.Join(path, "scaled"), new[] { value, graph.Scalar((float)scale) });
}
