using System.Globalization;
using MLNet.SuperRes.Engine;

namespace MLNet.SuperRes;

/// <summary>
/// How images are cut into tiles for one model: the tile side, the pixels neighbouring tiles share, how far a tile
/// may grow where the mirrored margin would otherwise add a row or column of tiles, and whether each tile's
/// attention scores are held, which binds tiles to <see cref="SuperResolutionOptions.AttentionMemoryBudgetBytes"/>.
/// <see cref="SuperResolver.Tiles"/> is the plan a resolver runs; every tool that cuts tiles takes one.
/// </summary>
public sealed class TilePlan
{
    private TilePlan(int tileSize, int overlap, int largestTile, bool holdsAttentionScores, long attentionBudgetBytes)
    {
        if (tileSize < 1) throw new ArgumentOutOfRangeException(nameof(tileSize), tileSize, "The tile size must be at least 1.");
        if (overlap < 0 || 2 * overlap >= tileSize)
            throw new ArgumentOutOfRangeException(nameof(overlap), overlap,
                $"{nameof(SuperResolutionOptions.TileOverlap)} ({overlap}) must be at least 0 and less than half the tile size ({tileSize}).");
        TileSize = tileSize;
        Overlap = overlap;
        LargestTile = largestTile;
        HoldsAttentionScores = holdsAttentionScores;
        AttentionBudgetBytes = attentionBudgetBytes;
    }

    /// <summary>The tile side, in input pixels.</summary>
    public int TileSize { get; }

    /// <summary>Input pixels neighbouring tiles share, at least.</summary>
    public int Overlap { get; }

    /// <summary>The longest a tile side may grow where the mirrored margin would otherwise add a row or column of tiles.</summary>
    public int LargestTile { get; }

    /// <summary>
    /// Whether a tile's HSPAN attention scores, (w·h)² float32 values, are held at once (everywhere but the CPU
    /// attention kernel); then every tile must fit <see cref="AttentionBudgetBytes"/>.
    /// </summary>
    public bool HoldsAttentionScores { get; }

    /// <summary>The attention memory budget the plan was made with.</summary>
    public long AttentionBudgetBytes { get; }

    /// <summary>SuperResolve's plan for an HSPAN model on the CPU with default options: 40-pixel tiles sharing 4, growing by up to 8.</summary>
    public static TilePlan Default { get; } = ForHspan(new SuperResolutionOptions(), holdsAttentionScores: false);

    /// <summary>Exactly these tiles: no growth into the margin, and no memory budget.</summary>
    public static TilePlan Exactly(int tileSize, int overlap) => new(tileSize, overlap, tileSize, holdsAttentionScores: false, long.MaxValue);

    /// <summary>
    /// The overlap tools give a tile side when none is asked for: the default, or less where the tile is too small
    /// for it (under half the tile).
    /// </summary>
    public static int OverlapFor(int tileSize) => Math.Min(new SuperResolutionOptions().TileOverlap, Math.Max(0, (tileSize - 1) / 2));

    /// <summary>The plan for an HSPAN model of any input size under <paramref name="options"/>.</summary>
    public static TilePlan ForHspan(SuperResolutionOptions options, bool holdsAttentionScores)
    {
        ArgumentNullException.ThrowIfNull(options);
        int tile = options.TileSize > 0 ? options.TileSize : BudgetTile(options.AttentionMemoryBudgetBytes);
        int largest = options.TileSize > 0 ? tile
            : holdsAttentionScores ? Math.Clamp(BudgetTile(options.AttentionMemoryBudgetBytes), tile, tile + 2 * TiledUpscaler.BorderPadding)
            : tile + 2 * TiledUpscaler.BorderPadding;
        return new(tile, options.TileOverlap, largest, holdsAttentionScores, options.AttentionMemoryBudgetBytes);
    }

    /// <summary>
    /// The plan for <paramref name="model"/>: a fixed input size dictates the tiles; HSPAN (or a model that names no
    /// architecture) takes <see cref="ForHspan"/>; other architectures take the given tile or
    /// <see cref="SuperResolutionOptions.DefaultTileSizeOfOtherModels"/>, growing into the margin when automatic.
    /// </summary>
    internal static TilePlan For(ModelInterface model, SuperResolutionOptions options, bool attentionRunsAsKernel)
    {
        if (model.FixedHeight is not null || model.FixedWidth is not null)
        {
            int side = Math.Min(model.FixedHeight ?? int.MaxValue, model.FixedWidth ?? int.MaxValue);
            if (options.TileSize > side)
                throw new ArgumentOutOfRangeException(nameof(options), options.TileSize,
                    $"{nameof(SuperResolutionOptions.TileSize)} {options.TileSize} is larger than the model's fixed input ({model.FixedWidth?.ToString(CultureInfo.InvariantCulture) ?? "any"}x{model.FixedHeight?.ToString(CultureInfo.InvariantCulture) ?? "any"}).");
            return Exactly(options.TileSize > 0 ? options.TileSize : side, options.TileOverlap);
        }
        if (model.IsHspan) return ForHspan(options, holdsAttentionScores: !attentionRunsAsKernel);
        int tile = options.TileSize > 0 ? options.TileSize : SuperResolutionOptions.DefaultTileSizeOfOtherModels;
        int largest = options.TileSize > 0 ? tile : tile + 2 * TiledUpscaler.BorderPadding;
        return new(tile, options.TileOverlap, largest, holdsAttentionScores: false, options.AttentionMemoryBudgetBytes);
    }

    /// <summary>
    /// The side of the tiles an image side of <paramref name="side"/> pixels is cut into, mirrored margin included:
    /// the tile size, unless the margin would make the axis need more tiles than the image alone does; then the
    /// shortest side that covers the axis with the image's own count, when it is no longer than <see cref="LargestTile"/>.
    /// </summary>
    public int TileLengthFor(int side)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(side, 1);
        int padded = side + 2 * TiledUpscaler.PaddingFor(side);
        if (padded <= TileSize) return padded;
        int count = TileLayout.Count(padded, TileSize, Overlap);
        int withoutMargin = side <= TileSize ? 1 : TileLayout.Count(side, TileSize, Overlap);
        if (count <= withoutMargin) return TileSize;
        int covering = TileLayout.ShortestCovering(padded, withoutMargin, Overlap);
        return covering <= LargestTile ? covering : TileSize;
    }

    /// <summary>Bytes of attention scores one tile of a <paramref name="width"/> × <paramref name="height"/> image holds (0 where none are held).</summary>
    public long AttentionBytesFor(int width, int height) =>
        HoldsAttentionScores ? SuperResolutionOptions.AttentionBytes(TileLengthFor(width), TileLengthFor(height)) : 0;

    /// <summary>Refuses an image whose tiles would hold more attention scores than the budget, naming the largest tile that fits.</summary>
    internal void CheckFits(int width, int height, ModelInterface model)
    {
        if (!HoldsAttentionScores) return;
        var (runHeight, runWidth) = model.RunSize(TileLengthFor(height), TileLengthFor(width));
        double needed = SuperResolutionOptions.AttentionBytes(runWidth, runHeight);
        if (needed <= AttentionBudgetBytes) return;
        int largest = BudgetTile(AttentionBudgetBytes);
        throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
            $"A {runWidth}x{runHeight} tile needs {needed / (1 << 20):N0} MiB for HSPAN's attention scores, more than " +
            $"{nameof(SuperResolutionOptions.AttentionMemoryBudgetBytes)} ({AttentionBudgetBytes / (double)(1 << 20):N0} MiB), whose largest tile is {largest}. " +
            $"Use {nameof(SuperResolutionOptions.TileSize)} {largest} or less (or 0), or raise the budget to " +
            $"{nameof(SuperResolutionOptions)}.{nameof(SuperResolutionOptions.AttentionBytes)}(tile) if the memory is there."));
    }

    /// <summary>The largest square tile whose attention scores, (side²)² float32 values, fit in <paramref name="budget"/>.</summary>
    internal static int BudgetTile(long budget)
    {
        int side = (int)Math.Floor(Math.Pow(budget / 4.0, 0.25));
        while (SuperResolutionOptions.AttentionBytes(side + 1) <= budget) side++;
        while (side > 1 && SuperResolutionOptions.AttentionBytes(side) > budget) side--;
        return Math.Max(side, 1);
    }
}
