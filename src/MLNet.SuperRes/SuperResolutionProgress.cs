namespace MLNet.SuperRes;

/// <summary>How far the upscaling of one image has come, reported after each tile.</summary>
/// <param name="TilesDone">Tiles finished, from 1 to <paramref name="TileCount"/>.</param>
/// <param name="TileCount">Tiles the image is cut into.</param>
/// <param name="ImageName">The image's file or tag, where known.</param>
public sealed record SuperResolutionProgress(int TilesDone, int TileCount, string? ImageName);
