using Onnx;
using static MLNet.SuperRes.Trainer.Export.OnnxGraphBuilder;

namespace MLNet.SuperRes.Trainer.Export.Emitters;

/// <summary>
/// Soft thresholding (sparsemax over the last axis) of scores [..., L], exact for every row, as
/// <see cref="Archs.SoftThresholding"/> computes it.
/// <para>
/// A row's threshold follows from its largest scores in descending order z_1 &gt;= z_2 &gt;= ...:
/// the support size s is the number of ranks r with 1 + r (z_r - z_1) &gt; sum_{i&lt;=r} (z_i - z_1),
/// tau = (sum_{i&lt;=s} (z_i - z_1) - 1) / s, and the output is relu(score - (z_1 + tau)). As in the
/// official code, TopK with k = min(topk, L) settles every row whose support is below k, and the
/// rows whose support fills all k are solved again with 2k, 4k, ... (at most L): a Loop that runs
/// only while such rows remain, each pass gathering just those rows. In the common case the Loop
/// runs no pass at all.
/// </para>
/// <para>
/// Speed: ONNX Runtime's TopK keeps a heap per row, and its cost is dominated by the scores that
/// enter the heap. The threshold of any subset of a row never exceeds the row's own threshold, so
/// the threshold of the row's group maxima (one per group of L / groups consecutive scores, i.e.
/// one per image row of key positions) is a lower bound found from a few hundredths of the data.
/// Scores below it are outside the support; raising them to it leaves the threshold unchanged but
/// turns them into ties that never enter the heap, which makes the TopK several times cheaper.
/// Each retry is floored the same way, with the threshold the previous k gave (also a lower bound).
/// </para>
/// </summary>
public static class SoftThresholdingEmitter
{
    /// <param name="scores">Scores [..., L]; soft thresholding runs over the last axis.</param>
    /// <param name="topk">The model's top-k: how many scores per row the first sort keeps.</param>
    /// <param name="groups">A [1] int64 value dividing L: the number of groups for the lower bound.</param>
    public static string Emit(OnnxGraphBuilder graph, string scores, int topk, string groups, string path)
    {
        string Name(string label) => ModuleEmitter.Join(path, label);

        var rowLength = graph.Node("Shape", Name("row_length"), new[] { scores }, Attr("start", -1L));
        var rowsShape = graph.Node("Concat", Name("rows_shape"), new[] { graph.Int64s(-1), rowLength }, Attr("axis", 0L));
        var rows = graph.Node("Reshape", Name("rows"), new[] { scores, rowsShape });

        var floor = GroupMaximaThreshold(graph, rows, groups, topk, Name("group_maxima"));
        var k = graph.Node("Min", Name("k"), new[] { graph.Int64s(topk), rowLength });
        var (firstThreshold, supportSize) = FlooredThreshold(graph, rows, floor, k, Name("topk"));
        var filled = Filled(graph, supportSize, k, rowLength, Name("topk"));
        var threshold = graph.Node("Loop", new[] { Name("k_final"), Name("threshold"), Name("filled_final") },
            new[] { "", AnyTrue(graph, filled, Name("topk.any_filled")), k, firstThreshold, filled },
            Attr("body", DoublingPass(graph, rows, rowLength, Name("retry"))))[1];

        var shifted = graph.Node("Sub", Name("shifted"), new[] { rows, threshold });
        var weights = graph.Node("Relu", Name("weights"), new[] { shifted });
        var scoresShape = graph.Node("Shape", Name("scores_shape"), new[] { scores });
        return graph.Node("Reshape", path, new[] { weights, scoresShape });
    }

    /// <summary>A lower bound [R, 1] of each row's threshold: the threshold of its group maxima (their top min(topk, groups)).</summary>
    private static string GroupMaximaThreshold(OnnxGraphBuilder graph, string rows, string groups, int topk, string path)
    {
        string Name(string label) => ModuleEmitter.Join(path, label);

        var groupedShape = graph.Node("Concat", Name("grouped_shape"), new[] { graph.Int64s(0), groups, graph.Int64s(-1) }, Attr("axis", 0L));
        var grouped = graph.Node("Reshape", Name("grouped"), new[] { rows, groupedShape });
        var maxima = graph.Node("ReduceMax", Name("values"), new[] { grouped }, Ints("axes", -1), Attr("keepdims", 0L));
        var k = graph.Node("Min", Name("k"), new[] { graph.Int64s(topk), groups });
        var sorted = graph.Node("TopK", new[] { Name("sorted"), Name("sorted_indices") }, new[] { maxima, k },
            Attr("axis", -1L), Attr("largest", 1L), Attr("sorted", 1L))[0];
        return ThresholdFromSorted(graph, sorted, k, path).Threshold;
    }

    /// <summary>
    /// One pass of the retry loop (the Loop's body): k doubles (at most L), the rows still filled
    /// are gathered, floored at their current threshold, sorted down to k and their thresholds
    /// replaced; the rows that fill the new k stay filled. Loop-carried: k, thresholds, filled.
    /// </summary>
    private static GraphProto DoublingPass(OnnxGraphBuilder graph, string rows, string rowLength, string path)
    {
        string Name(string label) => ModuleEmitter.Join(path, label);
        var body = graph.Subgraph(path);
        body.ScalarInput(Name("iteration"), TensorProto.Types.DataType.Int64);
        body.ScalarInput(Name("condition"), TensorProto.Types.DataType.Bool);
        body.Input(Name("previous_k"), TensorProto.Types.DataType.Int64);
        body.Input(Name("previous_threshold"), TensorProto.Types.DataType.Float);
        body.Input(Name("previous_filled"), TensorProto.Types.DataType.Bool);

        var k = body.Node("Min", Name("k"), new[] { body.Node("Mul", Name("double_k"), new[] { Name("previous_k"), body.Int64s(2) }), rowLength });
        var indices = body.Node("Transpose", Name("indices"), new[]
        {
            body.Node("NonZero", Name("nonzero"), new[] { body.Node("Reshape", Name("filled_flat"), new[] { Name("previous_filled"), body.Int64s(-1) }) }),
        }, Ints("perm", 1L, 0L));
        var filledRows = body.Node("GatherND", Name("rows"), new[] { rows, indices });
        var lowerBound = body.Node("GatherND", Name("lower_bound"), new[] { Name("previous_threshold"), indices });
        var (threshold, supportSize) = FlooredThreshold(body, filledRows, lowerBound, k, path);
        var stillFilled = Filled(body, supportSize, k, rowLength, path);

        var noneFilled = body.Node("Xor", Name("none_filled"), new[] { Name("previous_filled"), Name("previous_filled") });
        var condition = AnyTrue(body, stillFilled, Name("any_filled"));
        var thresholds = body.Node("ScatterND", Name("threshold"), new[] { Name("previous_threshold"), indices, threshold });
        var filled = body.Node("ScatterND", Name("filled"), new[] { noneFilled, indices, stillFilled });
        body.Output(condition, TensorProto.Types.DataType.Bool);
        body.Output(body.Node("Identity", Name("k_out"), new[] { k }), TensorProto.Types.DataType.Int64);
        body.Output(thresholds, TensorProto.Types.DataType.Float);
        body.Output(filled, TensorProto.Types.DataType.Bool);
        return body.Graph;
    }

    /// <summary>Threshold and support size [U, 1] of <paramref name="rows"/> [U, L] from their top k after raising every score to <paramref name="floor"/>.</summary>
    private static (string Threshold, string SupportSize) FlooredThreshold(OnnxGraphBuilder graph, string rows, string floor, string k, string path)
    {
        string Name(string label) => ModuleEmitter.Join(path, label);
        var floored = graph.Node("Max", Name("floored"), new[] { rows, floor });
        var sorted = graph.Node("TopK", new[] { Name("sorted"), Name("sorted_indices") }, new[] { floored, k },
            Attr("axis", -1L), Attr("largest", 1L), Attr("sorted", 1L))[0];
        return ThresholdFromSorted(graph, sorted, k, path);
    }

    /// <summary>Rows [U, 1] that may reach beyond their top k: support exactly k, and k below L.</summary>
    private static string Filled(OnnxGraphBuilder graph, string supportSize, string k, string rowLength, string path) =>
        graph.Node("And", ModuleEmitter.Join(path, "filled"), new[]
        {
            graph.Node("Equal", ModuleEmitter.Join(path, "support_is_k"), new[] { supportSize, k }),
            graph.Node("Less", ModuleEmitter.Join(path, "k_below_length"), new[] { k, rowLength }),
        });

    /// <summary>A bool scalar: whether any element of <paramref name="flags"/> is true.</summary>
    private static string AnyTrue(OnnxGraphBuilder graph, string flags, string path) =>
        graph.Node("Greater", path, new[]
        {
            graph.Node("ReduceMax", ModuleEmitter.Join(path, "max"), new[]
            {
                graph.Node("Cast", ModuleEmitter.Join(path, "int"), new[] { flags }, Attr("to", (long)TensorProto.Types.DataType.Int64)),
            }, Attr("keepdims", 0L)),
            graph.Int64Scalar(0),
        });

    /// <summary>
    /// Threshold (row max + tau) and support size [U, 1] of rows sorted in descending order, from
    /// their first <paramref name="count"/> entries ([1] int64, the length of the last axis).
    /// </summary>
    private static (string Threshold, string SupportSize) ThresholdFromSorted(OnnxGraphBuilder graph, string sorted, string count, string path)
    {
        string Name(string label) => ModuleEmitter.Join(path, label);

        var rowMax = graph.Node("Slice", Name("row_max"), new[] { sorted, graph.Int64s(0), graph.Int64s(1), graph.Int64s(-1) });
        var shifted = graph.Node("Sub", Name("sorted_shifted"), new[] { sorted, rowMax });
        var cumsumMinusOne = graph.Node("Sub", Name("cumsum_minus_one"), new[]
        {
            graph.Node("CumSum", Name("cumsum"), new[] { shifted, graph.Int64Scalar(-1) }),
            graph.Scalar(1f),
        });
        var lastRank = graph.Node("Squeeze", Name("last_rank"), new[] { count, graph.Int64s(0) });
        var ranks = graph.Node("Cast", Name("ranks"), new[]
        {
            graph.Node("Range", Name("ranks_int"), new[]
            {
                graph.Int64Scalar(1), graph.Node("Add", Name("rank_limit"), new[] { lastRank, graph.Int64Scalar(1) }), graph.Int64Scalar(1),
            }),
        }, Attr("to", (long)TensorProto.Types.DataType.Float));
        var inSupport = graph.Node("Greater", Name("in_support"), new[]
        {
            graph.Node("Mul", Name("rank_times_score"), new[] { ranks, shifted }), cumsumMinusOne,
        });
        var supportSize = graph.Node("ReduceSum", Name("support_size"), new[]
        {
            graph.Node("Cast", Name("in_support_int"), new[] { inSupport }, Attr("to", (long)TensorProto.Types.DataType.Int64)),
            graph.Int64s(-1),
        }, Attr("keepdims", 1L));
        var lastInSupport = graph.Node("GatherElements", Name("cumsum_at_support"), new[]
        {
            cumsumMinusOne, graph.Node("Sub", Name("support_last_index"), new[] { supportSize, graph.Int64s(1) }),
        }, Attr("axis", -1L));
        var tau = graph.Node("Div", Name("tau"), new[]
        {
            lastInSupport,
            graph.Node("Cast", Name("support_size_float"), new[] { supportSize }, Attr("to", (long)TensorProto.Types.DataType.Float)),
        });
        return (graph.Node("Add", Name("threshold"), new[] { rowMax, tau }), supportSize);
    }
}
