namespace MLNet.SuperRes.Engine;

/// <summary>
/// An image extended by <see cref="PadLeft"/> and <see cref="PadTop"/> pixels on each side by mirroring
/// (edge pixel repeated, as numpy's 'symmetric'), which works for any padding of any image, 1x1 included.
/// </summary>
internal readonly record struct MirroredSource(int Width, int Height, int PadLeft, int PadTop)
{
    public int PaddedWidth => Width + 2 * PadLeft;

    public int PaddedHeight => Height + 2 * PadTop;

    /// <summary>The source row of row <paramref name="y"/> of the padded image.</summary>
    public int Row(int y) => Mirror(y - PadTop, Height);

    /// <summary>The source column of column <paramref name="x"/> of the padded image.</summary>
    public int Column(int x) => Mirror(x - PadLeft, Width);

    private static int Mirror(int i, int length)
    {
        int period = 2 * length;
        int m = ((i % period) + period) % period;
        return m < length ? m : period - 1 - m;
    }
}
