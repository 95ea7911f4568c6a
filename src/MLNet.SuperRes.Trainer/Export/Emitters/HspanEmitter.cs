using MLNet.SuperRes.Trainer.Archs;

namespace MLNet.SuperRes.Trainer.Export.Emitters;

/// <summary>
/// HSPAN: add_mean(tail(body(head(sub_mean(x))) + head(...))). The graph's input and output are
/// in [0, 1]; a network trained with rgb_range R gets x * R on the way in and y / R on the way out.
/// </summary>
internal static class HspanEmitter
{
    public static string Emit(OnnxGraphBuilder graph, Hspan hspan, string input, string path)
    {
        string Child(string name, string x) => ModuleEmitter.Emit(graph, ModuleEmitter.Child(hspan, name), x, ModuleEmitter.Join(path, name));
        double rgbRange = hspan.Config.RgbRange;

        var x = rgbRange == 1.0 ? input
            : graph.Node("Mul", ModuleEmitter.Join(path, "to_rgb_range"), new[] { input, graph.Scalar((float)rgbRange) });
        var features = Child("head", Child("sub_mean", x));
        var residual = graph.Node("Add", ModuleEmitter.Join(path, "body_residual"), new[] { Child("body", features), features });
        var y = Child("add_mean", Child("tail", residual));
        return rgbRange == 1.0 ? y
            : graph.Node("Mul", ModuleEmitter.Join(path, "from_rgb_range"), new[] { y, graph.Scalar((float)(1.0 / rgbRange)) });
    }
}
