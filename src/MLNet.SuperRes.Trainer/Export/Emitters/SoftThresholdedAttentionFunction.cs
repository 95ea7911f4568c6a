using MLNet.SuperRes.Engine;
using Onnx;
using static MLNet.SuperRes.Trainer.Export.OnnxGraphBuilder;

namespace MLNet.SuperRes.Trainer.Export.Emitters;

/// <summary>
/// HSPA's attention core as the model-local function <see cref="OnnxContract.AttentionOp"/>: queries, keys and
/// values [N, C, H, W] (the outputs of the three 1x1 convolutions) to the attended values [N, C, H, W]. Its body is
/// the standard-op graph: scores = queries (H*W x C/r) times keys (C/r x H*W), soft thresholding of each row, the
/// result times the values. ONNX Runtime runs the body where the runtime's CPU kernel is not registered (CUDA,
/// other tools) and the kernel where it is.
/// </summary>
internal static class SoftThresholdedAttentionFunction
{
    public const string Queries = "queries", Keys = "keys", Values = "values", Attended = "attended";

    public static FunctionProto Build()
    {
        var body = new OnnxGraphBuilder(OnnxContract.AttentionOp);
        foreach (var name in new[] { Queries, Keys, Values }) body.ReserveName(name);

        // [N, C, H, W] -> [N, C, H*W]; 0 keeps a dimension, so one model serves every size.
        var flat = body.Int64s(0, 0, -1);
        var queries = body.Node("Transpose", "queries_by_position",
            new[] { body.Node("Reshape", "queries_flat", new[] { Queries, flat }) }, Ints("perm", 0L, 2L, 1L));
        var keys = body.Node("Reshape", "keys_flat", new[] { Keys, flat });
        var scores = body.Node("MatMul", "scores", new[] { queries, keys });

        // Each row of scores covers the key positions in raster order: one group per image row.
        var imageRows = body.Node("Shape", "image_rows", new[] { Queries }, Attr("start", 2L), Attr("end", 3L));
        var weights = SoftThresholdingEmitter.Emit(body, scores, imageRows, "soft_thresholding");

        var values = body.Node("Transpose", "values_by_position",
            new[] { body.Node("Reshape", "values_flat", new[] { Values, flat }) }, Ints("perm", 0L, 2L, 1L));
        var attended = body.Node("MatMul", "attended_by_position", new[] { weights, values });
        var channelsFirst = body.Node("Transpose", "attended_flat", new[] { attended }, Ints("perm", 0L, 2L, 1L));
        var image = body.Node("Reshape", "attended_image", new[] { channelsFirst, body.Node("Shape", "values_shape", new[] { Values }) });
        body.RenameOutput(image, Attended);
        return body.ToFunction(OnnxContract.AttentionDomain, OnnxContract.AttentionOp, [Queries, Keys, Values], [Attended], HspanOnnxExporter.Opset);
    }
}
