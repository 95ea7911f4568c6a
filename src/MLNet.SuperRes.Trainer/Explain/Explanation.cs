using System.Text.Json;
using System.Text.Json.Serialization;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Files;

namespace MLNet.SuperRes.Trainer.Explain;

/// <summary>
/// What explain found for one query pixel: the tile it was cut from and each HSPA block's attention there. Written
/// as <c>attention-block{k}.png</c> per block, <c>support.png</c> and <c>explain.json</c>.
/// </summary>
internal sealed record Explanation(string Model, int Scale, string Image, int PixelX, int PixelY, TileCut Tile, IReadOnlyList<BlockAttention> Blocks)
{
    public const string JsonFileName = "explain.json";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes the pictures and the JSON into <paramref name="folder"/>, each file whole, then renamed.</summary>
    public IReadOnlyList<string> Write(string folder)
    {
        var written = new List<string>();
        foreach (var block in Blocks)
        {
            written.Add(Path.Combine(folder, AttentionPictures.AttentionFileName(block.Block)));
            AttentionPictures.WriteAttention(written[^1], Tile, block);
        }
        written.Add(Path.Combine(folder, AttentionPictures.SupportFileName));
        AttentionPictures.WriteSupport(written[^1], Tile, Blocks);
        written.Add(Path.Combine(folder, JsonFileName));
        AtomicFile.WriteAllText(written[^1], ToJson());
        return written;
    }

    public string ToJson() => JsonSerializer.Serialize(new
    {
        model = Model,
        scale = Scale,
        image = Image,
        pixel = new { x = PixelX, y = PixelY },
        tile = new { left = Tile.Left, top = Tile.Top, width = Tile.Width, height = Tile.Height },
        pixel_in_tile = new { x = Tile.PixelColumn, y = Tile.PixelRow },
        entropy_unit = "nats",
        blocks = Blocks.Select(b => new
        {
            block = b.Block,
            positions = b.Positions,
            mean_support = b.MeanSupport,
            median_support = b.MedianSupport,
            max_support = b.MaxSupport,
            weight_on_top10 = b.WeightOnTop10,
            softmax_entropy = b.SoftmaxEntropy,
            sparsemax_entropy = b.SparsemaxEntropy,
            softmax_weight_on_top10 = b.SoftmaxWeightOnTop10,
            query = new
            {
                support = b.QueryWeights.Count(w => w > 0),
                softmax_entropy = b.QuerySoftmaxEntropy,
                sparsemax_entropy = b.QuerySparsemaxEntropy,
            },
        }),
    }, JsonOptions);
}
