using MLNet.SuperRes.Trainer.Archs;
using MLNet.SuperRes.Trainer.Data;
using MLNet.SuperRes.Trainer.Evaluation;
using static TorchSharp.torch;

namespace MLNet.SuperRes.Trainer.Inference;

/// <summary>
/// Runs a TorchSharp HSPAN over an image of any size in overlapping tiles (the attention is
/// quadratic in tile area), blending overlaps with linear ramps so no seam shows.
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
        if (overlap < 0 || overlap >= tile) throw new ArgumentOutOfRangeException(nameof(overlap), overlap, $"Overlap must be in [0, {tile}).");
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
            var ys = Starts(h); var xs = Starts(w);
            long th = Math.Min(tile, h), tw = Math.Min(tile, w);
            var output = zeros(new long[] { 1, c, h * s, w * s }, device: device);
            var weightSum = zeros(new long[] { 1, 1, h * s, w * s }, device: device);
            var positions = ys.SelectMany(y => xs.Select(x => (y, x))).ToList();
            var source = input.to(device) * range;
            foreach (var chunk in positions.Chunk(tilesPerBatch))
            {
                using var chunkScope = NewDisposeScope();
                var batch = cat(chunk.Select(p => source[.., .., p.y..(p.y + (int)th), p.x..(p.x + (int)tw)]).ToList(), 0);
                var result = model.call(batch) / range;
                for (int i = 0; i < chunk.Length; i++)
                {
                    var (y, x) = chunk[i];
                    var weight = Ramp(y, th, h, s).view(1, 1, -1, 1) * Ramp(x, tw, w, s).view(1, 1, 1, -1);
                    var ySlice = TensorIndex.Slice(y * s, (y + th) * s);
                    var xSlice = TensorIndex.Slice(x * s, (x + tw) * s);
                    output[TensorIndex.Colon, TensorIndex.Colon, ySlice, xSlice] += result[i..(i + 1)] * weight;
                    weightSum[TensorIndex.Colon, TensorIndex.Colon, ySlice, xSlice] += weight;
                }
            }
            return (output / weightSum).clamp(0, 1);
        }
        finally { model.train(wasTraining); }
    }

    private List<int> Starts(long length)
    {
        if (length <= tile) return [0];
        var starts = new List<int>();
        int step = tile - overlap;
        for (int p = 0; ; p += step)
        {
            if (p + tile >= length) { starts.Add((int)(length - tile)); break; }
            starts.Add(p);
        }
        return starts;
    }

    /// <summary>1-D blending weights of a tile in output pixels: rising over the overlap on sides that have a neighbour.</summary>
    private Tensor Ramp(int start, long size, long length, int s)
    {
        long n = size * s;
        var weights = new float[n];
        float width = Math.Max(1, overlap * s);
        for (long i = 0; i < n; i++)
        {
            float fromStart = start > 0 ? (i + 0.5f) / width : 1f;
            float fromEnd = start + size < length ? (n - i - 0.5f) / width : 1f;
            weights[i] = Math.Clamp(Math.Min(fromStart, fromEnd), 1e-3f, 1f);
        }
        return tensor(weights, device: device);
    }
}
