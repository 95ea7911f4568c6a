using MLNet.SuperRes.Trainer.Archs;

namespace MLNet.SuperRes.Trainer.Export.Emitters;

/// <summary>LEB: body(x) + x.</summary>
internal static class LebEmitter
{
    public static string Emit(OnnxGraphBuilder graph, Leb leb, string input, string path)
    {
        var body = ModuleEmitter.Emit(graph, ModuleEmitter.Child(leb, "body"), input, ModuleEmitter.Join(path, "body"));
        return graph.Node("Add", path, new[] { body, input });
    }
}
