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
/// official code, TopK with k = min(topk, L) settles every row whose support is below k; a row
/// whose support fills all k may reach further, and an If, taken only when such a row exists,
/// sorts just those rows completely (where the official code retries them with 2k, 4k, ...).
/// </para>
/// <para>
/// Speed: ONNX Runtime's TopK keeps a heap per row, and its cost is dominated by the scores that
/// enter the heap. The threshold of any subset of a row never exceeds the row's own threshold, so
/// the threshold of the row's group maxima (one per group of L / groups consecutive scores, i.e.
/// one per image row of key positions) is a lower bound found from a few hundredths of the data.
/// Scores below it are outside the support; raising them to it leaves the threshold unchanged but
/// turns them into ties that never enter the heap, which makes the TopK several times cheaper.
/// The full sort of wide rows is floored the same way, with the TopK stage's threshold.
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
        var threshold = Threshold(graph, rows, floor, rowLength, topk, Name("topk"));

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
    /// Thresholds [U, 1] of <paramref name="rows"/> [U, L], given lower bounds <paramref name="floor"/>
    /// [U, 1]: sorts the largest min(topk, L) scores of each row (all L when <paramref name="topk"/>
    /// is null) and sends the rows that fill them to a full sort.
    /// </summary>
    private static string Threshold(OnnxGraphBuilder graph, string rows, string floor, string rowLength, long? topk, string path)
    {
        string Name(string label) => ModuleEmitter.Join(path, label);

        var k = topk is null ? rowLength : graph.Node("Min", Name("k"), new[] { graph.Int64s(topk.Value), rowLength });
        var floored = graph.Node("Max", Name("floored"), new[] { rows, floor });
        var sorted = graph.Node("TopK", new[] { Name("sorted"), Name("sorted_indices") }, new[] { floored, k },
            Attr("axis", -1L), Attr("largest", 1L), Attr("sorted", 1L))[0];
        var (threshold, supportSize) = ThresholdFromSorted(graph, sorted, k, path);
        if (topk is null) return threshold;

        // Only a row whose support is exactly k can reach beyond its top k, and none can once k = L.
        var filled = graph.Node("Equal", Name("filled"), new[] { supportSize, k });
        var widest = graph.Node("ReduceMax", Name("widest_support"), new[] { supportSize }, Attr("keepdims", 0L));
        var anyFilled = graph.Node("And", Name("any_filled"), new[]
        {
            graph.Node("Equal", Name("widest_is_k"), new[] { widest, k }),
            graph.Node("Less", Name("k_below_length"), new[] { k, rowLength }),
        });

        var sortFilled = graph.Subgraph(Name("sort_filled_rows"));
        {
            string Filled(string label) => ModuleEmitter.Join(path, "filled_" + label);
            var indices = sortFilled.Node("Transpose", Filled("indices"), new[]
            {
                sortFilled.Node("NonZero", Filled("nonzero"), new[]
                {
                    sortFilled.Node("Reshape", Filled("flat"), new[] { filled, sortFilled.Int64s(-1) }),
                }),
            }, Ints("perm", 1L, 0L));
            var filledRows = sortFilled.Node("GatherND", Filled("rows"), new[] { rows, indices });
            var lowerBound = sortFilled.Node("GatherND", Filled("lower_bound"), new[] { threshold, indices });
            var fullThreshold = Threshold(sortFilled, filledRows, lowerBound, rowLength, topk: null, ModuleEmitter.Join(path, "full_sort"));
            var patched = sortFilled.Node("ScatterND", Filled("threshold"), new[] { threshold, indices, fullThreshold });
            sortFilled.Output(patched, TensorProto.Types.DataType.Float);
        }
        var keep = graph.Subgraph(Name("keep"));
        keep.Output(keep.Node("Identity", Name("kept"), new[] { threshold }), TensorProto.Types.DataType.Float);

        return graph.Node("If", Name("exact_threshold"), new[] { anyFilled },
            Attr("then_branch", sortFilled.Graph), Attr("else_branch", keep.Graph));
    }

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
