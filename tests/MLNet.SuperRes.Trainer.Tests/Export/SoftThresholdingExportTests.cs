using MLNet.SuperRes.Engine;
using Google.Protobuf;
using MLNet.SuperRes.OnnxGraphs;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Export;
using MLNet.SuperRes.Trainer.Torch;
using Onnx;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Tests.Export;

/// <summary>
/// The soft-thresholding graph alone, run by ONNX Runtime on scores [N, rows, L], against the
/// TorchSharp top-k with retries (the official algorithm) and the official reference cases.
/// </summary>
public class SoftThresholdingExportTests
{
    [Theory]
    [InlineData(1)]   // the lower bound is the row maximum minus 1
    [InlineData(10)]
    [InlineData(50)]  // one score per group: the start is the exact threshold
    public void WideSupportRowsAreExact(int groups)
    {
        using var scope = NewDisposeScope();
        // Nearly equal scores: most rows' support spans far more than k = 4, and more than 2k.
        using var generator = new Generator(7);
        var scores = rand(new long[] { 3, 40, 50 }, generator: generator).Mul(0.02f);
        var exact = SoftThresholding.Forward(scores, 50);
        Assert.True(exact.SupportSize.max().item<long>() > 8, "the case must need more than 2k entries");

        var actual = RunGraph(scores, groups);
        AssertClose(exact.Output, actual, 1e-6);
        AssertClose(SoftThresholding.Forward(scores, 4).Output, actual, 1e-6);
        AssertClose(ones(3, 40), actual.sum(-1), 1e-5);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(64)]
    public void WideRowsAmongNarrowOnesArePatchedInPlace(int groups)
    {
        using var scope = NewDisposeScope();
        // Alternate rows: nearly flat (support far wider than k) and peaked (support of 1 or 2).
        using var generator = new Generator(19);
        var spread = tensor(Enumerable.Range(0, 30).Select(i => i % 3 == 1 ? 0.01f : 4f).ToArray()).view(1, 30, 1);
        var scores = randn(new long[] { 2, 30, 64 }, generator: generator) * spread;
        var exact = SoftThresholding.Forward(scores, 64);
        var support = exact.SupportSize.squeeze(-1);
        Assert.True(support.Gt(6).any().item<bool>() && support.Lt(6).any().item<bool>(), "the case must mix wide and narrow rows");

        AssertClose(exact.Output, RunGraph(scores, groups), 1e-6);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(20)]
    [InlineData(400)]
    public void RowsOfEveryWidthAreExact(int groups)
    {
        using var scope = NewDisposeScope();
        // Rows of 400 scores whose supports range from 1 to beyond 256: with top-k 64 the official
        // code settles them by sorting 64, 128, 256 or all 400; the graph, by Michelot's steps.
        using var generator = new Generator(23);
        float[] spreads = { 2f, 0.2f, 0.05f, 0.02f, 0.01f, 0.005f, 0.002f };
        var spread = tensor(Enumerable.Range(0, 48).Select(i => spreads[i % spreads.Length]).ToArray()).view(1, 48, 1);
        var scores = randn(new long[] { 2, 48, 400 }, generator: generator) * spread;
        var exact = SoftThresholding.Forward(scores, 400);
        var support = exact.SupportSize.squeeze(-1);
        Assert.True(support.Lt(8).any().item<bool>(), "some rows must be narrow");
        Assert.True((support.Ge(32) & support.Lt(64)).any().item<bool>(), "some rows must be settled by sorting close to k");
        Assert.True((support.Ge(64) & support.Lt(128)).any().item<bool>(), "some rows must be settled by the first retry");
        Assert.True(support.Ge(256).any().item<bool>(), $"some rows must need three retries (2k, 4k, then all L = 400); widest support {support.max().item<long>()}");

        var actual = RunGraph(scores, groups);
        AssertClose(exact.Output, actual, 1e-6);
        AssertClose(SoftThresholding.Forward(scores, 64).Output, actual, 1e-6);
    }

    [Fact]
    public void RowsNeedingManyStepsAreSettledByTheLoop()
    {
        using var scope = NewDisposeScope();
        // Evenly spaced scores from the trivial lower bound (max - 1, one group) shed only part of
        // their support per Michelot step: these rows need more steps than run unrolled, so the
        // Loop over the unsettled rows must finish them. Mixed with a row settled at once.
        float[] spacings = { 0.03f, 0.01f, 0.003f, 0.0007f };
        var rows = spacings.Select(d => Enumerable.Range(0, 256).Select(i => -d * i).ToArray()).ToList();
        rows.Add(Enumerable.Range(0, 256).Select(i => i == 0 ? 5f : 0f).ToArray());
        Assert.True(rows.Take(spacings.Length).Max(MichelotSteps) > 6, $"steps needed: {string.Join(", ", rows.Select(MichelotSteps))}");

        var scores = tensor(rows.SelectMany(r => r).ToArray()).view(1, rows.Count, 256);
        AssertClose(SoftThresholding.Forward(scores, 256).Output, RunGraph(scores, groups: 1), 1e-6);
    }

    private static int MichelotSteps(float[] row)
    {
        double threshold = row.Max() - 1;
        for (int steps = 1, previousSize = -1; ; steps++)
        {
            var support = row.Where(z => z > threshold).ToList();
            if (support.Count == previousSize) return steps;
            previousSize = support.Count;
            threshold = Math.Max(threshold, (support.Sum(z => (double)z) - 1) / support.Count);
        }
    }

    [Fact]
    public void TiesAndOutliersAreExact()
    {
        using var scope = NewDisposeScope();
        // Rows of equal scores (support = all of L), rows with one far outlier (support 1), rows
        // with a tie at the top, and large-magnitude scores (the shift keeps the sums small).
        var rows = new List<float[]>
        {
            Enumerable.Repeat(0.3f, 24).ToArray(),
            Enumerable.Repeat(-7f, 24).ToArray(),
            Enumerable.Range(0, 24).Select(i => i == 5 ? 9f : 0f).ToArray(),
            Enumerable.Range(0, 24).Select(i => i is 3 or 17 ? 2f : 1.5f).ToArray(),
            Enumerable.Range(0, 24).Select(i => 1000f + 0.01f * (i % 5)).ToArray(),
            Enumerable.Range(0, 24).Select(i => -1000f + 0.6f * (i % 4)).ToArray(),
        };
        var scores = tensor(rows.SelectMany(r => r).ToArray()).view(1, rows.Count, 24);
        var actual = RunGraph(scores, groups: 6);
        AssertClose(SoftThresholding.Forward(scores, 24).Output, actual, 1e-6);
        AssertClose(ones(1, rows.Count), actual.sum(-1), 1e-6);
        Assert.Equal(1f / 24, actual[0, 0, 0].item<float>(), 1e-7f);
        Assert.Equal(1f, actual[0, 2, 5].item<float>());
    }

    public static IEnumerable<object[]> OfficialCases() =>
        Enumerable.Range(0, Reference.Index["st"]!.AsArray().Count).Select(i => new object[] { i });

    [Theory]
    [MemberData(nameof(OfficialCases))]
    public void MatchesOfficialSoftThresholding(int caseIndex)
    {
        using var scope = NewDisposeScope();
        using var tensors = Reference.Tensors("st_cases.safetensors");
        var scores = tensors[$"case{caseIndex}.scores"];
        long length = scores.shape[^1];
        int groups = Enumerable.Range(1, (int)length).First(g => length % g == 0 && g * g >= length);
        var actual = RunGraph(scores, groups);
        AssertClose(tensors[$"case{caseIndex}.output"], actual, 1e-5);
    }

    private static Tensor RunGraph(Tensor scores, int groups)
    {
        var graph = new OnnxGraphBuilder("soft_thresholding");
        graph.Input(OnnxContract.InputName, TensorProto.Types.DataType.Float, "N", "R", "L");
        var result = SoftThresholding.EmitOnnx(graph, OnnxContract.InputName, graph.Int64s(groups), "st");
        graph.RenameOutput(result, OnnxContract.OutputName);
        graph.Output(OnnxContract.OutputName, TensorProto.Types.DataType.Float, "N", "R", "L");

        using var runner = new OnnxRuntimeRunner(HspanOnnxExporter.CreateModel(graph.Graph).ToByteArray());
        return runner.Run(scores);
    }

    private static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        using var scope = NewDisposeScope();
        Assert.Equal(expected.shape, actual.shape);
        var max = (expected.to(ScalarType.Float64) - actual.to(ScalarType.Float64)).abs().max().item<double>();
        Assert.True(max <= tolerance, $"max abs difference {max} > {tolerance}");
    }
}
