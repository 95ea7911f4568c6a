using Onnx;
using static MLNet.SuperRes.Trainer.Export.OnnxGraphBuilder;

namespace MLNet.SuperRes.Trainer.Export.Emitters;

/// <summary>
/// Soft thresholding (sparsemax over the last axis) of scores [..., L], exact for every row, as
/// <see cref="Archs.SoftThresholding"/> computes it.
/// <para>
/// A row's threshold follows from its largest scores in descending order z_1 &gt;= z_2 &gt;= ...:
/// the support size s is the number of ranks r with 1 + r (z_r - z_1) &gt; sum_{i&lt;=r} (z_i - z_1),
/// tau = (sum_{i&lt;=s} (z_i - z_1) - 1) / s, and the output is relu(score - (z_1 + tau)). Sorting k
/// scores settles every row whose support is below k; a row whose support fills all k may reach
/// further and goes to the next stage, exactly as the official code retries such rows with 2k.
/// </para>
/// <para>
/// Stages: TopK with k = min(32, topk) over all rows (cheap, and enough for peaked rows); then, in
/// an If taken only when some row filled it, TopK with k = topk over just those rows; then, in a
/// nested If, a full sort of the rows that filled that too. The threshold a stage finds for a row
/// it could not settle is a lower bound of the true one (the threshold of a subset never exceeds
/// the threshold of the whole row), so before the next stage every score below it is raised to it:
/// such scores are outside the support either way, which leaves the threshold unchanged, and the
/// raised ties make the next TopK several times cheaper for ONNX Runtime's heap selection.
/// </para>
/// </summary>
public static class SoftThresholdingEmitter
{
    /// <summary>The k of the first stage, when the model's top-k is larger.</summary>
    public const int FirstStageK = 32;

    public static string Emit(OnnxGraphBuilder graph, string scores, int topk, string path)
    {
        string Name(string label) => ModuleEmitter.Join(path, label);

        var rowLength = graph.Node("Shape", Name("row_length"), new[] { scores }, Attr("start", -1L));
        var rowsShape = graph.Node("Concat", Name("rows_shape"), new[] { graph.Int64s(-1), rowLength }, Attr("axis", 0L));
        var rows = graph.Node("Reshape", Name("rows"), new[] { scores, rowsShape });

        var stageKs = topk > FirstStageK ? new long[] { FirstStageK, topk } : new long[] { topk };
        var threshold = Threshold(graph, rows, floor: null, rowLength, stageKs, path, stage: 1);

        var shifted = graph.Node("Sub", Name("shifted"), new[] { rows, threshold });
        var weights = graph.Node("Relu", Name("weights"), new[] { shifted });
        var scoresShape = graph.Node("Shape", Name("scores_shape"), new[] { scores });
        return graph.Node("Reshape", path, new[] { weights, scoresShape });
    }

    /// <summary>
    /// Thresholds [U, 1] of <paramref name="rows"/> [U, L]: sorts the largest min(k, L) of each row
    /// (k = <paramref name="stageKs"/>[0], or L after the last stage) and hands the rows it cannot
    /// settle to the next stage, raised to <paramref name="floor"/> first when one is given.
    /// </summary>
    private static string Threshold(OnnxGraphBuilder graph, string rows, string? floor, string rowLength, IReadOnlyList<long> stageKs, string basePath, int stage)
    {
        var path = ModuleEmitter.Join(basePath, $"stage{stage}");
        string Name(string label) => ModuleEmitter.Join(path, label);

        bool fullSort = stageKs.Count == 0;
        var k = fullSort ? rowLength : graph.Node("Min", Name("k"), new[] { graph.Int64s(stageKs[0]), rowLength });
        var candidates = floor is null ? rows : graph.Node("Max", Name("floored"), new[] { rows, floor });
        var sorted = graph.Node("TopK", new[] { Name("sorted"), Name("sorted_indices") }, new[] { candidates, k },
            Attr("axis", -1L), Attr("largest", 1L), Attr("sorted", 1L))[0];
        var (threshold, supportSize) = ThresholdFromSorted(graph, sorted, k, path);
        if (fullSort) return threshold;

        // Only a row whose support is exactly k can reach beyond its top k, and none can once k = L.
        var filled = graph.Node("Equal", Name("filled"), new[] { supportSize, k });
        var widest = graph.Node("ReduceMax", Name("widest_support"), new[] { supportSize }, Attr("keepdims", 0L));
        var anyFilled = graph.Node("And", Name("any_filled"), new[]
        {
            graph.Node("Equal", Name("widest_is_k"), new[] { widest, k }),
            graph.Node("Less", Name("k_below_length"), new[] { k, rowLength }),
        });

        var nextStage = graph.Subgraph(Name("next_stage"));
        {
            string Next(string label) => ModuleEmitter.Join(path, "next_" + label);
            var indices = nextStage.Node("Transpose", Next("indices"), new[]
            {
                nextStage.Node("NonZero", Next("nonzero"), new[]
                {
                    nextStage.Node("Reshape", Next("filled_flat"), new[] { filled, nextStage.Int64s(-1) }),
                }),
            }, Attr("perm", 1L, 0L));
            var wideRows = nextStage.Node("GatherND", Next("rows"), new[] { rows, indices });
            var lowerBound = nextStage.Node("GatherND", Next("lower_bound"), new[] { threshold, indices });
            var wideThreshold = Threshold(nextStage, wideRows, lowerBound, rowLength, stageKs.Skip(1).ToList(), basePath, stage + 1);
            var patched = nextStage.Node("ScatterND", Next("threshold"), new[] { threshold, indices, wideThreshold });
            nextStage.Output(patched, TensorProto.Types.DataType.Float);
        }
        var keep = graph.Subgraph(Name("keep"));
        keep.Output(keep.Node("Identity", Name("kept"), new[] { threshold }), TensorProto.Types.DataType.Float);

        return graph.Node("If", Name("threshold_exact"), new[] { anyFilled },
            Attr("then_branch", nextStage.Graph), Attr("else_branch", keep.Graph));
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
