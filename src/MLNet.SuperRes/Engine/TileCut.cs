namespace MLNet.SuperRes.Engine;

/// <summary>
/// One tile as the engine runs it: planar RGB input in [0, 1] (<see cref="Width"/> × <see cref="Height"/>), its top-left
/// corner in image pixels (negative inside the mirrored margin), and where the pixel it was cut for lies in it.
/// </summary>
internal sealed record TileCut(float[] Input, int Width, int Height, int Left, int Top, int PixelColumn, int PixelRow);
