using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Trainer.Archs;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Explain;

/// <summary>
/// What one HSPA block did on one tile: for the query pixel, its attention weights over the tile's positions and,
/// for comparison, the same scores through softmax; for every position, its support (the positions it attends to).
/// Entropies are in nats; the tile statistics are means (or the median, the maximum) over all query positions.
/// </summary>
internal sealed record BlockAttention(
    int Block,
    int Positions,
    float[] QueryWeights,
    float[] QuerySoftmax,
    int[] Support,
    double MeanSupport,
    double MedianSupport,
    int MaxSupport,
    double WeightOnTop10,
    double SoftmaxWeightOnTop10,
    double SoftmaxEntropy,
    double SparsemaxEntropy,
    double QuerySoftmaxEntropy,
    double QuerySparsemaxEntropy);

/// <summary>
/// Runs an HSPAN network on one tile and records, for each HSPA block in forward order, the attention its soft
/// thresholding produced: the very tensors the network multiplies its values by, heard through
/// <see cref="Hspa.AttentionObserver"/>, so the numbers are those of an upscaling run of the same tile.
/// </summary>
internal static class AttentionProbe
{
    private const int TopPositions = 10;

    /// <summary>Runs <paramref name="model"/> (in eval mode, without gradients) on <paramref name="tile"/> and explains each block.</summary>
    public static IReadOnlyList<BlockAttention> Run(Hspan model, TileCut tile)
    {
        var blocks = model.named_modules().Select(m => m.module).OfType<Hspa>().ToList();
        if (blocks.Count == 0) throw new InvalidOperationException("The network has no HSPA block to explain.");
        int query = tile.PixelRow * tile.Width + tile.PixelColumn;
        var results = new List<BlockAttention>();
        bool wasTraining = model.training;
        model.eval();
        try
        {
            foreach (var block in blocks)
                block.AttentionObserver = (scores, weights) => results.Add(Describe(results.Count + 1, scores[0], weights[0], query));
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            float range = (float)model.Config.RgbRange;
            model.call(tensor(tile.Input, new long[] { 1, 3, tile.Height, tile.Width }) * range);
        }
        finally
        {
            foreach (var block in blocks) block.AttentionObserver = null;
            model.train(wasTraining);
        }
        return results;
    }

    /// <summary>Statistics of one block from its raw scores and soft-thresholded weights, both [P, P].</summary>
    public static BlockAttention Describe(int block, Tensor scores, Tensor weights, int query)
    {
        using var scope = NewDisposeScope();
        int positions = (int)weights.shape[^1];
        var softmax = scores.softmax(-1);
        var support = weights.gt(0).sum(-1, type: ScalarType.Int32).data<int>().ToArray();
        var sorted = support.Order().ToArray();
        int top = Math.Min(TopPositions, positions);
        var queryWeights = weights[query].contiguous();
        var querySoftmax = softmax[query].contiguous();
        return new BlockAttention(
            block,
            positions,
            queryWeights.data<float>().ToArray(),
            querySoftmax.data<float>().ToArray(),
            support,
            support.Average(),
            sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2.0,
            sorted[^1],
            Mean(weights.topk(top, -1).values.sum(-1)),
            Mean(softmax.topk(top, -1).values.sum(-1)),
            Mean(Entropy(softmax)),
            Mean(Entropy(weights)),
            Entropy(querySoftmax).item<float>(),
            Entropy(queryWeights).item<float>());
    }

    /// <summary>-sum p ln p over the last axis, with 0 ln 0 = 0.</summary>
    private static Tensor Entropy(Tensor p) => -(p * p.clamp_min(1e-30f).log()).sum(-1);

    private static double Mean(Tensor values) => values.to(ScalarType.Float64).mean().item<double>();
}
