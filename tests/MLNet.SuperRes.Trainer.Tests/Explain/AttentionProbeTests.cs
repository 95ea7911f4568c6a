using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.OnnxGraphs;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Explain;
using MLNet.SuperRes.Trainer.Export;
using MLNet.SuperRes.Trainer.Inference;
using MLNet.SuperRes.Trainer.Tests.Export;
using Onnx;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Tests.Explain;

public class AttentionProbeTests(ITestOutputHelper log)
{
    internal static Hspan SmallNetwork(int seed = 7)
    {
        var model = new Hspan(new HspanConfig { NResGroups = 2, NResBlocks = 1, NFeats = 16, TopK = 8 });
        model.InitializeWeights(seed);
        model.eval();
        return model;
    }

    [Fact]
    public void NumbersAreThoseOfTheExportedGraphOnTheSameTile()
    {
        using var model = SmallNetwork();
        using var image = TestImages.Texture(30, 22, seed: 3);
        var engine = new TiledUpscaler(new TorchTileNetwork(model, CPU), TilePlan.Exactly(16, 4), selfEnsemble: false);
        var tile = engine.CutTile(image.Pixels, 30, 22, image.PixelFormat, 17, 9);
        var blocks = AttentionProbe.Run(model, tile);
        Assert.Equal(2, blocks.Count);

        // The exported graph, its attention function inlined, with each HSPA's raw scores and soft-thresholded weights exposed as outputs.
        var proto = FunctionInliner.Inline(HspanOnnxExporter.Build(model, new OnnxExportInfo("probe")));
        var attended = proto.Graph.Node.Where(n => n.OpType == "MatMul" && n.Output[0].EndsWith("/attended_by_position", StringComparison.Ordinal)).ToList();
        var scoreNames = proto.Graph.Node.Where(n => n.OpType == "MatMul" && n.Output[0].EndsWith("/scores", StringComparison.Ordinal)).Select(n => n.Output[0]).ToList();
        var weightNames = attended.Select(n => n.Input[0]).ToList();
        Assert.Equal(2, weightNames.Count);
        Assert.Equal(2, scoreNames.Count);
        foreach (var name in scoreNames.Concat(weightNames))
            proto.Graph.Output.Add(OnnxGraphBuilder.ValueInfo(name, TensorProto.Types.DataType.Float, "N", "P", "P"));
        using var session = new InferenceSession(proto.ToByteArray());
        using var input = OrtValue.CreateTensorValueFromMemory(tile.Input, new long[] { 1, 3, tile.Height, tile.Width });
        using var runOptions = new RunOptions(); // held: one left to the finalizer can be freed while Run reads it
        using var outputs = session.Run(runOptions, [OnnxContract.InputName], [input], scoreNames.Concat(weightNames).ToArray());

        int positions = tile.Width * tile.Height, query = tile.PixelRow * tile.Width + tile.PixelColumn;
        for (int k = 0; k < 2; k++)
        {
            var scores = outputs[k].GetTensorDataAsSpan<float>().ToArray();
            var weights = outputs[2 + k].GetTensorDataAsSpan<float>().ToArray();
            Assert.Equal(positions * positions, weights.Length);
            var block = blocks[k];
            Assert.Equal(k + 1, block.Block);
            Assert.Equal(positions, block.Positions);

            var queryRow = weights.AsSpan(query * positions, positions).ToArray();
            Assert.True(MaxAbs(queryRow, block.QueryWeights) <= 1e-5, $"block {k + 1}: query weights differ by {MaxAbs(queryRow, block.QueryWeights)}");
            var softmax = Softmax(scores.AsSpan(query * positions, positions));
            Assert.True(MaxAbs(softmax, block.QuerySoftmax) <= 1e-6, $"block {k + 1}: query softmax differs by {MaxAbs(softmax, block.QuerySoftmax)}");

            var support = Enumerable.Range(0, positions).Select(i => weights.AsSpan(i * positions, positions).ToArray().Count(w => w > 0)).ToArray();
            int differing = support.Zip(block.Support).Count(p => p.First != p.Second);
            log.WriteLine($"block {k + 1}: support mean {support.Average():F2} (probe {block.MeanSupport:F2}), rows differing {differing} of {positions}");
            Assert.Equal(support, block.Support);

            var rows = Enumerable.Range(0, positions).Select(i => weights.AsSpan(i * positions, positions).ToArray()).ToList();
            var softmaxRows = Enumerable.Range(0, positions).Select(i => Softmax(scores.AsSpan(i * positions, positions))).ToList();
            Assert.Equal(rows.Average(r => r.OrderDescending().Take(10).Sum(w => (double)w)), block.WeightOnTop10, 5);
            Assert.Equal(rows.Average(Entropy), block.SparsemaxEntropy, 4);
            Assert.Equal(softmaxRows.Average(Entropy), block.SoftmaxEntropy, 4);
            Assert.Equal(softmaxRows.Average(r => r.OrderDescending().Take(10).Sum(w => (double)w)), block.SoftmaxWeightOnTop10, 5);
        }
    }

    [Fact]
    public void StatisticsOfKnownDistributions()
    {
        using var scope = NewDisposeScope();
        // 16 positions: rows 0-7 have one score far above the rest (sparsemax: all weight there), rows 8-15 are flat (uniform).
        const int positions = 16;
        var values = new float[positions * positions];
        for (int row = 0; row < 8; row++) values[row * positions + row] = 10;
        var scores = tensor(values, new long[] { positions, positions });
        var (weights, _) = SoftThresholding.Forward(scores, 8);

        var block = AttentionProbe.Describe(1, scores, weights, query: 3);

        Assert.Equal(Enumerable.Repeat(1, 8).Concat(Enumerable.Repeat(positions, 8)), block.Support);
        Assert.Equal(8.5, block.MeanSupport, 9);
        Assert.Equal(8.5, block.MedianSupport, 9);
        Assert.Equal(positions, block.MaxSupport);
        Assert.Equal((8 * 1.0 + 8 * 10.0 / positions) / positions, block.WeightOnTop10, 6);
        Assert.Equal(Math.Log(positions) / 2, block.SparsemaxEntropy, 5);
        double peak = Math.Exp(10) / (Math.Exp(10) + 15), rest = 1 / (Math.Exp(10) + 15);
        double peakedEntropy = -(peak * Math.Log(peak) + 15 * rest * Math.Log(rest));
        Assert.Equal((peakedEntropy + Math.Log(positions)) / 2, block.SoftmaxEntropy, 5);
        Assert.Equal(0, block.QuerySparsemaxEntropy, 6);
        Assert.Equal(peakedEntropy, block.QuerySoftmaxEntropy, 5);
        Assert.Equal(1f, block.QueryWeights[3]);
        Assert.Equal((float)peak, block.QuerySoftmax[3], 6);
    }

    [Fact]
    public void ObserversAreRemovedAfterTheRun()
    {
        using var model = SmallNetwork();
        model.train();
        var tile = new TileCut(new float[3 * 12 * 12], 12, 12, 0, 0, 5, 5);
        AttentionProbe.Run(model, tile);
        Assert.All(model.named_modules().Select(m => m.module).OfType<Hspa>(), block => Assert.Null(block.AttentionObserver));
        Assert.True(model.training);
    }

    private static float[] Softmax(ReadOnlySpan<float> scores)
    {
        double max = double.MinValue;
        foreach (var s in scores) max = Math.Max(max, s);
        var exp = new double[scores.Length];
        for (int i = 0; i < scores.Length; i++) exp[i] = Math.Exp(scores[i] - max);
        double sum = exp.Sum();
        return exp.Select(e => (float)(e / sum)).ToArray();
    }

    private static double Entropy(float[] p) => -p.Where(v => v > 0).Sum(v => v * Math.Log(v));

    private static double MaxAbs(float[] a, float[] b) => a.Zip(b).Max(p => Math.Abs(p.First - p.Second));
}
