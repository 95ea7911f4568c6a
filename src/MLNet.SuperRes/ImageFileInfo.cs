namespace MLNet.SuperRes;

/// <summary>What an image file's header says (<see cref="ImageFiles.Identify"/>), known before any pixel is decoded.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Format">The encoded format as the decoder names it, upper case: PNG, JPEG, WEBP, BMP, GIF, ICO, WBMP.</param>
/// <param name="FrameCount">1 for a still image, more for an animation.</param>
public sealed record ImageFileInfo(int Width, int Height, string Format, int FrameCount)
{
    /// <summary>Width × height.</summary>
    public long Pixels => (long)Width * Height;
}
