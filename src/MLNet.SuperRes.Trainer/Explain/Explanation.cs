using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MLNet.SuperRes.Engine;
using MLNet.SuperRes.Trainer.Files;

namespace MLNet.SuperRes.Trainer.Explain;

/// <summary>The tile explain ran, and the pixel of which image it was cut for.</summary>
internal sealed record TileSource(TileCut Tile, string ImagePath, int ImageWidth, int ImageHeight, int PixelX, int PixelY)
{
    public string ImageName => Path.GetFileName(ImagePath);
}

/// <summary>
/// What explain found for one query pixel: the tile it was cut from and each HSPA block's attention there. Written
/// as <c>attention-block{k}.png</c> per block, <c>support.png</c> and <c>explain.json</c>, as one set.
/// </summary>
internal sealed partial record Explanation(string Model, int Scale, TileSource Source, IReadOnlyList<BlockAttention> Blocks)
{
    public const string JsonFileName = "explain.json";

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>The files an explanation of a network with <paramref name="blocks"/> HSPA blocks writes.</summary>
    public static IReadOnlyList<string> FileNames(int blocks) =>
        [.. Enumerable.Range(1, blocks).Select(AttentionPictures.AttentionFileName), AttentionPictures.SupportFileName, JsonFileName];

    /// <summary>
    /// Writes the pictures and the JSON into <paramref name="folder"/> as one set (all written, then all renamed),
    /// and removes the attention pictures of blocks this network does not have, left by an earlier explanation.
    /// </summary>
    /// <returns>The files removed.</returns>
    public IReadOnlyList<string> Write(string folder)
    {
        var files = new List<(string, byte[])>();
        foreach (var block in Blocks)
            files.Add((Path.Combine(folder, AttentionPictures.AttentionFileName(block.Block)), AttentionPictures.Attention(Source, block)));
        files.Add((Path.Combine(folder, AttentionPictures.SupportFileName), AttentionPictures.Support(Source, Blocks)));
        files.Add((Path.Combine(folder, JsonFileName), Encoding.UTF8.GetBytes(ToJson())));
        FileSet.Write(files);

        var removed = new List<string>();
        string image = Path.GetFullPath(Source.ImagePath);
        foreach (var file in Directory.EnumerateFiles(folder, "attention-block*.png"))
        {
            var match = AttentionFile().Match(Path.GetFileName(file));
            if (match.Success && int.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int block)
                && block > Blocks.Count && Path.GetFullPath(file) != image)
            {
                File.Delete(file);
                removed.Add(file);
            }
        }
        return removed;
    }

    public string ToJson()
    {
        var tile = Source.Tile;
        return JsonSerializer.Serialize(new
        {
            model = Model,
            scale = Scale,
            image = Source.ImagePath,
            pixel = new { x = Source.PixelX, y = Source.PixelY },
            tile = new { left = tile.Left, top = tile.Top, width = tile.Width, height = tile.Height },
            pixel_in_tile = new { x = tile.PixelColumn, y = tile.PixelRow },
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

    [GeneratedRegex(@"^attention-block([0-9]+)\.png$")]
    private static partial Regex AttentionFile();
}
