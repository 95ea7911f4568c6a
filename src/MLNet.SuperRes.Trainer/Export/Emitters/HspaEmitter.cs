using MLNet.SuperRes.Trainer.Archs;
using static MLNet.SuperRes.Trainer.Export.OnnxGraphBuilder;

namespace MLNet.SuperRes.Trainer.Export.Emitters;

/// <summary>
/// HSPA: scores = queries (H*W x C/r) times keys (C/r x H*W), soft thresholding per row, the
/// result times the assembly features, res_scale times that plus the input.
/// </summary>
internal static class HspaEmitter
{
    public static string Emit(OnnxGraphBuilder graph, Hspa hspa, string input, string path)
    {
        string Branch(string name) => ModuleEmitter.Emit(graph, ModuleEmitter.Child(hspa, name), input, ModuleEmitter.Join(path, name));
        var embed1 = Branch("conv_match1");
        var embed2 = Branch("conv_match2");
        var assembly = Branch("conv_assembly");

        // [N, C, H, W] -> [N, C, H*W]; 0 keeps a dimension, so one model serves every size.
        var flat = graph.Int64s(0, 0, -1);
        var queries = graph.Node("Transpose", ModuleEmitter.Join(path, "queries"),
            new[] { graph.Node("Reshape", ModuleEmitter.Join(path, "embed1_flat"), new[] { embed1, flat }) }, Ints("perm", 0L, 2L, 1L));
        var keys = graph.Node("Reshape", ModuleEmitter.Join(path, "keys"), new[] { embed2, flat });
        var scores = graph.Node("MatMul", ModuleEmitter.Join(path, "scores"), new[] { queries, keys });

        // Each row of scores covers the key positions in raster order: one group per image row.
        var imageRows = graph.Node("Shape", ModuleEmitter.Join(path, "image_rows"), new[] { input }, Attr("start", 2L), Attr("end", 3L));
        var weights = SoftThresholdingEmitter.Emit(graph, scores, imageRows, ModuleEmitter.Join(path, "soft_thresholding"));

        var values = graph.Node("Transpose", ModuleEmitter.Join(path, "values"),
            new[] { graph.Node("Reshape", ModuleEmitter.Join(path, "assembly_flat"), new[] { assembly, flat }) }, Ints("perm", 0L, 2L, 1L));
        var attended = graph.Node("MatMul", ModuleEmitter.Join(path, "attended"), new[] { weights, values });
        var channelsFirst = graph.Node("Transpose", ModuleEmitter.Join(path, "attended_t"), new[] { attended }, Ints("perm", 0L, 2L, 1L));
        var inputShape = graph.Node("Shape", ModuleEmitter.Join(path, "input_shape"), new[] { input });
        var image = graph.Node("Reshape", ModuleEmitter.Join(path, "attended_image"), new[] { channelsFirst, inputShape });
        return graph.Node("Add", path, new[] { HspamEmitter.Scaled(graph, image, hspa.ResScale, path), input });
    }
}
