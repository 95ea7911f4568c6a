using MLNet.SuperRes.Trainer.Archs;

namespace MLNet.SuperRes.Trainer.Export.Emitters;

/// <summary>
/// HSPA: the three 1x1 convolution branches, their attention (<see cref="SoftThresholdedAttentionFunction"/>),
/// res_scale times that plus the input.
/// </summary>
internal static class HspaEmitter
{
    public static string Emit(OnnxGraphBuilder graph, Hspa hspa, string input, string path)
    {
        string Branch(string name) => ModuleEmitter.Emit(graph, ModuleEmitter.Child(hspa, name), input, ModuleEmitter.Join(path, name));
        var embed1 = Branch("conv_match1");
        var embed2 = Branch("conv_match2");
        var assembly = Branch("conv_assembly");
        var attended = graph.Call(SoftThresholdedAttentionFunction.Build(), ModuleEmitter.Join(path, "attended"), new[] { embed1, embed2, assembly });
        return graph.Node("Add", path, new[] { HspamEmitter.Scaled(graph, attended, hspa.ResScale, path), input });
    }
}
