namespace MLNet.SuperRes.Evaluation.Metrics;

/// <summary>Helpers for single-channel row-major planes of doubles.</summary>
public static class Plane
{
    /// <summary>
    /// Removes <paramref name="shave"/> pixels from every border (SR papers shave the scale factor).
    /// </summary>
    public static double[] Shave(double[] plane, int width, int height, int shave, out int shavedWidth, out int shavedHeight)
    {
        ArgumentNullException.ThrowIfNull(plane);
        CheckSize(plane, width, height, nameof(plane));
        ArgumentOutOfRangeException.ThrowIfNegative(shave);
        shavedWidth = width - 2 * shave;
        shavedHeight = height - 2 * shave;
        if (shavedWidth < 1 || shavedHeight < 1)
            throw new ArgumentException($"Shaving {shave} pixels from each border of a {width}x{height} plane leaves nothing.", nameof(shave));
        if (shave == 0) return plane;
        var shaved = new double[shavedWidth * shavedHeight];
        for (int y = 0; y < shavedHeight; y++)
            Array.Copy(plane, (y + shave) * width + shave, shaved, y * shavedWidth, shavedWidth);
        return shaved;
    }

    internal static void CheckSize(double[] plane, int width, int height, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (plane.Length != width * height)
            throw new ArgumentException($"Expected {width * height} values for a {width}x{height} plane, got {plane.Length}.", name);
    }
}
