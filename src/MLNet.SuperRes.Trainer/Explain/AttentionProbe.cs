using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Torch;
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
            model.Upscale(tensor(tile.Input, new long[] { 1, 3, tile.Height, tile.Width }));
        }
        finally
        {
            foreach (var block in blocks) block.AttentionObserver = null;
            model.train(wasTraining);
        }
        return results;
    }

    /// <summary>Query rows a block's statistics are computed over at once: a few MB of each [rows, P] temporary.</summary>
    private const int RowsPerChunk = 256;

    /// <summary>Statistics of one block from its raw scores and soft-thresholded weights, both [P, P].</summary>
    public static BlockAttention Describe(int block, Tensor scores, Tensor weights, int query)
    {
        int positions = (int)weights.shape[^1];
        int top = Math.Min(TopPositions, positions);
        var support = new int[positions];
        double weightOnTop = 0, softmaxWeightOnTop = 0, softmaxEntropy = 0, sparsemaxEntropy = 0;
        for (int first = 0; first < positions; first += RowsPerChunk)
        {
            using var scope = NewDisposeScope();
            int rows = Math.Min(RowsPerChunk, positions - first);
            var chunkWeights = weights.narrow(0, first, rows);
            var softmax = scores.narrow(0, first, rows).softmax(-1);
            chunkWeights.Gt(0).sum(-1, type: ScalarType.Int32).data<int>().CopyTo(support, first);
            weightOnTop += Sum(chunkWeights.topk(top, -1).values.sum(-1));
            softmaxWeightOnTop += Sum(softmax.topk(top, -1).values.sum(-1));
            softmaxEntropy += Sum(Entropy(softmax));
            sparsemaxEntropy += Sum(Entropy(chunkWeights));
        }
        var sorted = support.Order().ToArray();

        using var queryScope = NewDisposeScope();
        var queryWeights = weights[query].contiguous();
        var querySoftmax = scores[query].softmax(-1);
        return new BlockAttention(
            block,
            positions,
            queryWeights.data<float>().ToArray(),
            querySoftmax.data<float>().ToArray(),
            support,
            support.Average(),
            sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2.0,
            sorted[^1],
            weightOnTop / positions,
            softmaxWeightOnTop / positions,
            softmaxEntropy / positions,
            sparsemaxEntropy / positions,
            Entropy(querySoftmax).item<float>(),
            Entropy(queryWeights).item<float>());
    }

    /// <summary>-sum p ln p over the last axis, with 0 ln 0 = 0.</summary>
    private static Tensor Entropy(Tensor p) => -(p * p.ClampMin(1e-30f).log()).sum(-1);

    private static double Sum(Tensor values) => values.to(ScalarType.Float64).sum().item<double>();
}
