using Onnx;
using MLNet.SuperRes.OnnxGraphs;
using MLNet.SuperRes.Trainer.Export;
using static MLNet.SuperRes.OnnxGraphs.OnnxGraphBuilder;
using static MLNet.SuperRes.Trainer.Export.OnnxNames;

namespace MLNet.SuperRes.Trainer.Archs;

public sealed partial class SoftThresholding
{
    /// <summary>Michelot steps run on every row before the Loop takes over the unsettled ones.</summary>
    private const int UnrolledSteps = 4;

    /// <summary>
    /// The ONNX form of soft thresholding: sparsemax over the last axis of scores [..., L], exact for every row, as
    /// <see cref="Forward"/> computes it.
    /// <para>
    /// The official code sorts each row's top k scores and, for the rows whose support fills all k, sorts again
    /// with 2k, 4k, ...: top-k is a speed device, and the result is the row's exact threshold tau, the one with
    /// sum(relu(score - tau)) = 1. The graph finds the same tau without sorting, by Michelot's projection: from a
    /// lower bound, take the scores above the current threshold as the support, set the threshold to the one that
    /// support implies, (sum - 1) / size, and repeat until no row's support changes. Each step is a few elementwise
    /// passes, which ONNX Runtime runs on all cores, where its TopK keeps a heap per row and trained models'
    /// supports are often far wider than k.
    /// </para>
    /// <para>
    /// The start: the threshold of any subset of a row never exceeds the row's own, so the threshold of the row's
    /// group maxima (one per group of L / groups consecutive scores, i.e. one per image row of key positions) is a
    /// lower bound found from a small part of the data. The first steps run on every row, then a Loop steps only
    /// the rows whose support still changed, gathered and scattered back (docs/MODELS.md has the step counts).
    /// </para>
    /// </summary>
    /// <param name="scores">Scores [..., L]; soft thresholding runs over the last axis.</param>
    /// <param name="groups">A [1] int64 value dividing L: the number of groups for the lower bound.</param>
    internal static string EmitOnnx(OnnxGraphBuilder graph, string scores, string groups, string path)
    {
        string Name(string label) => Join(path, label);

        var rowLength = graph.Node("Shape", Name("row_length"), new[] { scores }, Attr("start", -1L));
        var rowsShape = graph.Node("Concat", Name("rows_shape"), new[] { graph.Int64s(-1), rowLength }, Attr("axis", 0L));
        var rows = graph.Node("Reshape", Name("rows"), new[] { scores, rowsShape });

        // Shifted so each row's maximum is 0: the support lies within [-1, 0], which keeps its sums small and accurate.
        var (rowMax, lowerBound) = GroupMaximaThreshold(graph, rows, groups, Name("group_maxima"));
        var shifted = graph.Node("Sub", Name("shifted"), new[] { rows, rowMax });
        var start = graph.Node("Sub", Name("start"), new[] { lowerBound, rowMax });
        // Nearly every row needs the first few steps, so they run unrolled on all rows; the Loop then
        // steps only the rows whose support still changed, gathered, until none changes.
        var threshold = start;
        string size = "", previousSize = "";
        for (int step = 1; step <= UnrolledSteps; step++)
        {
            previousSize = size;
            (threshold, size) = MichelotStep(graph, shifted, threshold, Name($"step{step}"));
        }
        var changed = graph.Node("Not", Name("changed"), new[] { graph.Node("Equal", Name("same_size"), new[] { size, previousSize }) });
        threshold = graph.Node("Loop", new[] { Name("threshold"), Name("support_size"), Name("changed_final") },
            new[] { "", AnyTrue(graph, changed, Name("any_changed")), threshold, size, changed },
            Attr("body", SettlingPass(graph, shifted, Name("settle"))))[0];

        var weights = graph.Node("Relu", Name("weights"), new[] { graph.Node("Sub", Name("above_threshold"), new[] { shifted, threshold }) });
        var scoresShape = graph.Node("Shape", Name("scores_shape"), new[] { scores });
        return graph.Node("Reshape", path, new[] { weights, scoresShape });
    }

    /// <summary>
    /// Each row's maximum [R, 1] and a lower bound [R, 1] of its threshold: the threshold of its
    /// group maxima.
    /// </summary>
    private static (string RowMax, string LowerBound) GroupMaximaThreshold(OnnxGraphBuilder graph, string rows, string groups, string path)
    {
        string Name(string label) => Join(path, label);

        var groupedShape = graph.Node("Concat", Name("grouped_shape"), new[] { graph.Int64s(0), groups, graph.Int64s(-1) }, Attr("axis", 0L));
        var grouped = graph.Node("Reshape", Name("grouped"), new[] { rows, groupedShape });
        var maxima = graph.Node("ReduceMax", Name("values"), new[] { grouped }, Ints("axes", -1), Attr("keepdims", 0L));
        var sorted = graph.Node("TopK", new[] { Name("sorted"), Name("sorted_indices") }, new[] { maxima, groups },
            Attr("axis", -1L), Attr("largest", 1L), Attr("sorted", 1L))[0];
        var rowMax = graph.Node("ReduceMax", Name("row_max"), new[] { maxima }, Ints("axes", -1), Attr("keepdims", 1L));
        return (rowMax, ThresholdFromSorted(graph, sorted, groups, path));
    }

    /// <summary>
    /// One step of Michelot's projection for rows [U, L] at thresholds [U, 1]: the support is the
    /// scores above the threshold, and the next threshold is the one that support implies,
    /// (sum - 1) / size. From a lower bound the thresholds only rise and the supports only shrink,
    /// so a row whose support size no longer changes is at its exact sparsemax threshold.
    /// Returns the next thresholds and the support sizes [U, 1] (float).
    /// </summary>
    private static (string Threshold, string Size) MichelotStep(OnnxGraphBuilder graph, string rows, string threshold, string path)
    {
        string Name(string label) => Join(path, label);
        var inSupport = graph.Node("Cast", Name("in_support"), new[]
        {
            graph.Node("Greater", Name("above"), new[] { rows, threshold }),
        }, Attr("to", (long)TensorProto.Types.DataType.Float));
        var size = graph.Node("ReduceSum", Name("size"), new[] { inSupport, graph.Int64s(-1) }, Attr("keepdims", 1L));
        var sum = graph.Node("ReduceSum", Name("sum"), new[]
        {
            graph.Node("Mul", Name("support_scores"), new[] { rows, inSupport }), graph.Int64s(-1),
        }, Attr("keepdims", 1L));
        var implied = graph.Node("Div", Name("implied"), new[] { graph.Node("Sub", Name("sum_minus_one"), new[] { sum, graph.Scalar(1f) }), size });
        // Rounding must not lower a threshold (a lower one could re-admit scores and cycle).
        return (graph.Node("Max", Name("threshold"), new[] { threshold, implied }), size);
    }

    /// <summary>
    /// The Loop's body: one Michelot step for just the rows whose support changed in the previous
    /// step (gathered, then scattered back). Loop-carried: thresholds, support sizes, changed [R, 1].
    /// </summary>
    private static GraphProto SettlingPass(OnnxGraphBuilder graph, string rows, string path)
    {
        string Name(string label) => Join(path, label);
        var body = graph.Subgraph(path);
        body.ScalarInput(Name("iteration"), TensorProto.Types.DataType.Int64);
        body.ScalarInput(Name("condition"), TensorProto.Types.DataType.Bool);
        body.Input(Name("previous_threshold"), TensorProto.Types.DataType.Float);
        body.Input(Name("previous_size"), TensorProto.Types.DataType.Float);
        body.Input(Name("previous_changed"), TensorProto.Types.DataType.Bool);

        var indices = body.Node("Transpose", Name("indices"), new[]
        {
            body.Node("NonZero", Name("nonzero"), new[] { body.Node("Reshape", Name("changed_flat"), new[] { Name("previous_changed"), body.Int64s(-1) }) }),
        }, Ints("perm", 1L, 0L));
        var unsettled = body.Node("GatherND", Name("rows"), new[] { rows, indices });
        var unsettledSize = body.Node("GatherND", Name("gathered_size"), new[] { Name("previous_size"), indices });
        var (threshold, size) = MichelotStep(body, unsettled,
            body.Node("GatherND", Name("gathered_threshold"), new[] { Name("previous_threshold"), indices }), path);
        var stillChanging = body.Node("Not", Name("changed"), new[] { body.Node("Equal", Name("same_size"), new[] { size, unsettledSize }) });

        var noneChanged = body.Node("Xor", Name("none_changed"), new[] { Name("previous_changed"), Name("previous_changed") });
        body.Output(AnyTrue(body, stillChanging, Name("any_changed")), TensorProto.Types.DataType.Bool);
        body.Output(body.Node("ScatterND", Name("thresholds"), new[] { Name("previous_threshold"), indices, threshold }), TensorProto.Types.DataType.Float);
        body.Output(body.Node("ScatterND", Name("sizes"), new[] { Name("previous_size"), indices, size }), TensorProto.Types.DataType.Float);
        body.Output(body.Node("ScatterND", Name("changed_rows"), new[] { noneChanged, indices, stillChanging }), TensorProto.Types.DataType.Bool);
        return body.Graph;
    }

    /// <summary>A bool scalar: whether any element of <paramref name="flags"/> is true.</summary>
    private static string AnyTrue(OnnxGraphBuilder graph, string flags, string path) =>
        graph.Node("Greater", path, new[]
        {
            graph.Node("ReduceMax", Join(path, "max"), new[]
            {
                graph.Node("Cast", Join(path, "int"), new[] { flags }, Attr("to", (long)TensorProto.Types.DataType.Int64)),
            }, Attr("keepdims", 0L)),
            graph.Int64Scalar(0),
        });

    /// <summary>
    /// Threshold (row max + tau) [U, 1] of rows sorted in descending order, from
    /// their first <paramref name="count"/> entries ([1] int64, the length of the last axis).
    /// </summary>
    private static string ThresholdFromSorted(OnnxGraphBuilder graph, string sorted, string count, string path)
    {
        string Name(string label) => Join(path, label);

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
        return graph.Node("Add", Name("threshold"), new[] { rowMax, tau });
    }
}
