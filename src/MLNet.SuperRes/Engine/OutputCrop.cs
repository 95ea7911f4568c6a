namespace MLNet.SuperRes.Engine;

/// <summary>The part of the padded image's output that is the image's output: rows and columns, output pixels.</summary>
internal readonly record struct OutputCrop(int Top, int Left, int Height, int Width);
