namespace MLNet.SuperRes.Evaluation;

/// <summary>
/// How a network is run on an image larger than a tile: tile side and overlap, in LR pixels, and the longest a tile
/// may grow where the mirrored margin would otherwise add a row or column of tiles (null: never).
/// </summary>
public sealed record Tiling(int Tile, int Overlap, int? LargestTile = null)
{
    /// <summary>
    /// SuperResolve's defaults for HSPAN on the CPU (40-pixel tiles sharing at least 4 pixels, growing by up to the
    /// margin), read from the runtime itself.
    /// </summary>
    public static Tiling Default { get; } = FromRuntimeDefaults();

    private static Tiling FromRuntimeDefaults()
    {
        var options = new SuperResolutionOptions();
        int tile = SuperResolver.EffectiveTileSize(options);
        return new(tile, options.TileOverlap, SuperResolver.LargestTileSize(options, tile, attentionMaterialized: false));
    }
}
