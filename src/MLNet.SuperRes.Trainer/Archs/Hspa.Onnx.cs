using MLNet.SuperRes.Engine;
using MLNet.SuperRes.OnnxGraphs;
using MLNet.SuperRes.Trainer.Export;
using Onnx;
using static MLNet.SuperRes.OnnxGraphs.OnnxGraphBuilder;
using static MLNet.SuperRes.Trainer.Export.OnnxNames;

namespace MLNet.SuperRes.Trainer.Archs;

public sealed partial class Hspa : IOnnxForm
{
    /// <summary>The three 1x1 branches, their attention (<see cref="AttentionFunction"/>), res_scale times that plus the input.</summary>
    string IOnnxForm.EmitOnnx(OnnxGraphBuilder graph, string input, string path)
    {
        var queries = OnnxLayers.Emit(graph, conv_match1, input, Join(path, nameof(conv_match1)));
        var keys = OnnxLayers.Emit(graph, conv_match2, input, Join(path, nameof(conv_match2)));
        var values = OnnxLayers.Emit(graph, conv_assembly, input, Join(path, nameof(conv_assembly)));
        var attended = graph.Call(AttentionFunction(), Join(path, "attended"), new[] { queries, keys, values });
        return graph.Node("Add", path, new[] { OnnxLayers.Scaled(graph, attended, ResScale, path), input });
    }

    /// <summary>
    /// The attention core as the model-local function <see cref="OnnxContract.AttentionOp"/>: queries, keys and values
    /// [N, C, H, W] (the three branches' outputs) to the attended values [N, C, H, W], as <see cref="forward"/> computes
    /// them: scores = queries (H*W x C/r) times keys (C/r x H*W), soft thresholding of each row
    /// (<see cref="SoftThresholding.EmitOnnx"/>), the result times the values. The body is standard ONNX, run where the
    /// runtime's CPU kernel is not registered (CUDA, other tools); the kernel runs in its place where it is.
    /// </summary>
    internal static FunctionProto AttentionFunction()
    {
        const string Queries = "queries", Keys = "keys", Values = "values";
        var body = new OnnxGraphBuilder(OnnxContract.AttentionOp);
        foreach (var name in new[] { Queries, Keys, Values }) body.ReserveName(name);

        // [N, C, H, W] -> [N, C, H*W]; 0 keeps a dimension, so one model serves every size.
        var flat = body.Int64s(0, 0, -1);
        var queryRows = body.Node("Transpose", "queries_by_position",
            new[] { body.Node("Reshape", "queries_flat", new[] { Queries, flat }) }, Ints("perm", 0L, 2L, 1L));
        var keyColumns = body.Node("Reshape", "keys_flat", new[] { Keys, flat });
        var scores = body.Node("MatMul", "scores", new[] { queryRows, keyColumns });

        // Each row of scores covers the key positions in raster order: one group per image row.
        var imageRows = body.Node("Shape", "image_rows", new[] { Queries }, Attr("start", 2L), Attr("end", 3L));
        var weights = SoftThresholding.EmitOnnx(body, scores, imageRows, "soft_thresholding");

        var valueRows = body.Node("Transpose", "values_by_position",
            new[] { body.Node("Reshape", "values_flat", new[] { Values, flat }) }, Ints("perm", 0L, 2L, 1L));
        var attended = body.Node("MatMul", "attended_by_position", new[] { weights, valueRows });
        var channelsFirst = body.Node("Transpose", "attended_flat", new[] { attended }, Ints("perm", 0L, 2L, 1L));
        var image = body.Node("Reshape", "attended_image", new[] { channelsFirst, body.Node("Shape", "values_shape", new[] { Values }) });
        body.RenameOutput(image, "attended");
        return body.ToFunction(OnnxContract.AttentionDomain, OnnxContract.AttentionOp, [Queries, Keys, Values], ["attended"], HspanOnnxExporter.Opset);
    }
}
