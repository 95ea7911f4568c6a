namespace MLNet.SuperRes;

/// <summary>What an image file's header says (<see cref="ImageFiles.Identify"/>), known before any pixel is decoded.</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Format">The encoded format as the decoder names it, upper case: PNG, JPEG, WEBP, BMP, GIF, ICO, WBMP.</param>
/// <param name="FrameCount">1 for a still image, more for an animation.</param>
/// <param name="Orientation">
/// The EXIF orientation, 1 (upright, also where the file has none) to 8; <paramref name="Width"/> and <paramref name="Height"/>
/// are the upright image's, as <see cref="ImageFiles.Load(Stream, string, long)"/> gives it.
/// </param>
public sealed record ImageFileInfo(int Width, int Height, string Format, int FrameCount, int Orientation = 1)
{
    /// <summary>Width × height.</summary>
    public long Pixels => (long)Width * Height;
}
