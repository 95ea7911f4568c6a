using Onnx;
using static MLNet.SuperRes.Trainer.Export.OnnxGraphBuilder;

namespace MLNet.SuperRes.Trainer.Export.Emitters;

/// <summary>
/// Soft thresholding (sparsemax over the last axis) of scores [N, L, L], exact for every row.
/// Common case: TopK with k' = min(topk, L) gives each row's largest scores in order; the
/// support size s is the number of ranks r with 1 + r * z_r > sum_{i&lt;=r} z_i (z = sorted scores
/// minus the row maximum), tau = (sum_{i&lt;=s} z_i - 1) / s and the output is
/// relu(score - (max + tau)). A row whose support fills all k' entries (possible only when
/// k' &lt; L) may reach further: an If node then gathers just those rows, sorts them completely
/// and scatters their thresholds back. That is what SoftThresholding.Forward computes by retrying
/// with 2k; both end at the same exact sparsemax threshold. In the common case the If costs one
/// ReduceMax over the N*L support sizes.
/// </summary>
public static class SoftThresholdingEmitter
{
    public static string Emit(OnnxGraphBuilder graph, string scores, int topk, string path)
    {
        string Name(string label) => ModuleEmitter.Join(path, label);

        var rowLength = graph.Node("Shape", Name("row_length"), new[] { scores }, Attr("start", 2L), Attr("end", 3L));
        var k = graph.Node("Min", Name("k"), new[] { graph.Int64s(topk), rowLength });
        var sorted = graph.Node("TopK", new[] { Name("top_scores"), Name("top_indices") }, new[] { scores, k },
            Attr("axis", -1L), Attr("largest", 1L), Attr("sorted", 1L))[0];
        var (threshold, supportSize) = ThresholdFromSorted(graph, sorted, k, Name("top"));

        // Only a row whose support is exactly k' can reach beyond its top k'; none can when k' = L.
        var fullRows = graph.Node("Equal", Name("support_full"), new[] { supportSize, k });
        var widestSupport = graph.Node("ReduceMax", Name("widest_support"), new[] { supportSize }, Attr("keepdims", 0L));
        var anyUnsolved = graph.Node("And", Name("any_unsolved"), new[]
        {
            graph.Node("Equal", Name("widest_is_k"), new[] { widestSupport, k }),
            graph.Node("Less", Name("k_below_length"), new[] { k, rowLength }),
        });

        var solveWide = WideRowsBranch(graph, scores, rowLength, fullRows, threshold, Name("wide_rows"));
        var keep = graph.Subgraph(Name("keep_threshold"));
        var kept = keep.Node("Identity", Name("kept_threshold"), new[] { threshold });
        keep.Output(kept, TensorProto.Types.DataType.Float);

        var exactThreshold = graph.Node("If", Name("threshold"), new[] { anyUnsolved },
            Attr("then_branch", solveWide), Attr("else_branch", keep.Graph));
        var shifted = graph.Node("Sub", Name("shifted"), new[] { scores, exactThreshold });
        return graph.Node("Relu", path, new[] { shifted });
    }

    /// <summary>
    /// Threshold (row max + tau) and support size of rows sorted in descending order, from their
    /// first <paramref name="count"/> entries ([1] int64, the length of the last axis).
    /// </summary>
    private static (string Threshold, string SupportSize) ThresholdFromSorted(OnnxGraphBuilder graph, string sorted, string count, string path)
    {
        string Name(string label) => ModuleEmitter.Join(path, label);

        var rowMax = graph.Node("Slice", Name("row_max"), new[] { sorted, graph.Int64s(0), graph.Int64s(1), graph.Int64s(-1) });
        var shifted = graph.Node("Sub", Name("shifted"), new[] { sorted, rowMax });
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

    /// <summary>The If branch for rows whose support may exceed k': sort just those rows completely and replace their thresholds.</summary>
    private static GraphProto WideRowsBranch(OnnxGraphBuilder graph, string scores, string rowLength, string fullRows, string threshold, string path)
    {
        var branch = graph.Subgraph(path);
        string Name(string label) => ModuleEmitter.Join(path, label);

        var rowsShape = branch.Node("Concat", Name("rows_shape"), new[] { graph.Int64s(-1), rowLength }, Attr("axis", 0L));
        var rows = branch.Node("Reshape", Name("rows"), new[] { scores, rowsShape });
        var wideFlags = branch.Node("Reshape", Name("wide_flags"), new[] { fullRows, graph.Int64s(-1) });
        var wideIndices = branch.Node("Transpose", Name("wide_indices"), new[]
        {
            branch.Node("NonZero", Name("wide_nonzero"), new[] { wideFlags }),
        }, Attr("perm", 1L, 0L));
        var wideRows = branch.Node("GatherND", Name("wide_scores"), new[] { rows, wideIndices });
        var fullySorted = branch.Node("TopK", new[] { Name("sorted"), Name("sorted_indices") }, new[] { wideRows, rowLength },
            Attr("axis", -1L), Attr("largest", 1L), Attr("sorted", 1L))[0];
        var (wideThreshold, _) = ThresholdFromSorted(branch, fullySorted, rowLength, Name("full"));

        var flatThreshold = branch.Node("Reshape", Name("flat_threshold"), new[] { threshold, graph.Int64s(-1, 1) });
        var patched = branch.Node("ScatterND", Name("patched"), new[] { flatThreshold, wideIndices, wideThreshold });
        var result = branch.Node("Reshape", Name("threshold"), new[]
        {
            patched, branch.Node("Shape", Name("threshold_shape"), new[] { threshold }),
        });
        branch.Output(result, TensorProto.Types.DataType.Float);
        return branch.Graph;
    }
}
