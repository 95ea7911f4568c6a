namespace MLNet.SuperRes.Evaluation;

/// <summary>How a network is run on an image larger than a tile: tile side and overlap, in LR pixels.</summary>
public sealed record Tiling(int Tile, int Overlap)
{
    /// <summary>SuperResolve's defaults (40-pixel tiles sharing at least 4 pixels), read from the runtime itself.</summary>
    public static Tiling Default { get; } = FromRuntimeDefaults();

    private static Tiling FromRuntimeDefaults()
    {
        var options = new SuperResolutionOptions();
        return new(SuperResolver.EffectiveTileSize(options), options.TileOverlap);
    }
}
