using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Data;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Trainer.Evaluation;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Inference;

/// <summary>
/// Runs a TorchSharp HSPAN over an image of any size in overlapping tiles (the attention is
/// quadratic in tile area). Tile placement and blend weights are the runtime's own
/// (<see cref="TileLayout"/>), so a checkpoint and its ONNX export are scored on identical tiles.
/// </summary>
public sealed class TiledUpscaler : ISuperResolver
{
    private readonly Hspan model;
    private readonly Device device;
    private readonly int tile;
    private readonly int overlap;
    private readonly int tilesPerBatch;

    public TiledUpscaler(Hspan model, Device device, int tile = 64, int overlap = 16, int tilesPerBatch = 4)
    {
        if (tile < 8) throw new ArgumentOutOfRangeException(nameof(tile), tile, "Tile size must be at least 8.");
        if (overlap < 0 || 2 * overlap >= tile) throw new ArgumentOutOfRangeException(nameof(overlap), overlap, $"Overlap must be at least 0 and less than half the tile ({tile}).");
        (this.model, this.device, this.tile, this.overlap, this.tilesPerBatch) = (model, device, tile, overlap, tilesPerBatch);
    }

    public int Scale => model.Config.Scale;

    public float[] Upscale(RgbImage lowRes)
    {
        using var scope = NewDisposeScope();
        var input = tensor(lowRes.ToPlanarFloat(), new long[] { 1, 3, lowRes.Height, lowRes.Width });
        return Upscale(input).cpu().data<float>().ToArray();
    }

    /// <summary>Upscales a [1, C, H, W] tensor in [0, 1]; returns [1, C, sH, sW] clamped to [0, 1].</summary>
    public Tensor Upscale(Tensor input)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var _ = no_grad();
            int s = Scale;
            long h = input.shape[2], w = input.shape[3], c = input.shape[1];
            float range = (float)model.Config.RgbRange;
            var rows = TileLayout.Create((int)h, tile, overlap, s);
            var columns = TileLayout.Create((int)w, tile, overlap, s);
            int th = rows.TileLength, tw = columns.TileLength;
            var output = zeros(new long[] { 1, c, h * s, w * s }, device: device);
            var positions = Enumerable.Range(0, rows.Starts.Length)
                .SelectMany(i => Enumerable.Range(0, columns.Starts.Length).Select(j => (i, j))).ToList();
            var rowWeights = rows.Weights.Select(weights => tensor(weights, device: device).view(1, 1, -1, 1)).ToArray();
            var columnWeights = columns.Weights.Select(weights => tensor(weights, device: device).view(1, 1, 1, -1)).ToArray();
            var source = input.to(device) * range;
            foreach (var chunk in positions.Chunk(tilesPerBatch))
            {
                using var chunkScope = NewDisposeScope();
                var batch = cat(chunk.Select(p => source[.., .., rows.Starts[p.i]..(rows.Starts[p.i] + th), columns.Starts[p.j]..(columns.Starts[p.j] + tw)]).ToList(), 0);
                var result = model.call(batch) / range;
                for (int k = 0; k < chunk.Length; k++)
                {
                    var (i, j) = chunk[k];
                    var weight = rowWeights[i] * columnWeights[j];
                    var ySlice = TensorIndex.Slice(rows.Starts[i] * s, (rows.Starts[i] + th) * s);
                    var xSlice = TensorIndex.Slice(columns.Starts[j] * s, (columns.Starts[j] + tw) * s);
                    output[TensorIndex.Colon, TensorIndex.Colon, ySlice, xSlice] += result[k..(k + 1)] * weight;
                }
            }
            // The weights are separable, so their sum over all tiles is the product of the per-axis sums.
            var total = tensor(rows.TotalWeight, device: device).view(1, 1, -1, 1) * tensor(columns.TotalWeight, device: device).view(1, 1, 1, -1);
            return (output / total).clamp(0, 1);
        }
        finally { model.train(wasTraining); }
    }
}
