namespace MLNet.SuperRes.Engine;

/// <summary>
/// Where the tiles go along one axis of an image, and how their outputs are blended. Tiles are spread
/// evenly so that every pair of neighbours shares at least the requested overlap. In a shared band the
/// outputs cross-fade linearly, so no seam shows; the outer quarter of the band, where a tile's output
/// suffers from the zero padding at its edge, gets no weight from that tile at all.
/// </summary>
internal sealed class TileLayout
{
    private TileLayout(int length, int tileLength, int[] starts, int scale)
    {
        Length = length;
        TileLength = tileLength;
        Starts = starts;
        Scale = scale;
        TotalWeight = new float[length * scale];
        Weights = new float[starts.Length][];
        for (int i = 0; i < starts.Length; i++)
        {
            Weights[i] = TileWeights(i);
            for (int u = 0; u < Weights[i].Length; u++)
                TotalWeight[starts[i] * scale + u] += Weights[i][u];
        }
    }

    /// <summary>Length of the axis, in input pixels.</summary>
    public int Length { get; }

    /// <summary>Length of every tile along this axis, in input pixels (the whole axis when it is short).</summary>
    public int TileLength { get; }

    /// <summary>First input pixel of each tile, increasing.</summary>
    public int[] Starts { get; }

    public int Scale { get; }

    /// <summary>Blend weight of each output pixel of tile i (TileLength × Scale values).</summary>
    public float[][] Weights { get; }

    /// <summary>Sum of the weights of all tiles at each output pixel (Length × Scale values), all positive.</summary>
    public float[] TotalWeight { get; }

    public static TileLayout Create(int length, int tile, int overlap, int scale)
    {
        if (length <= 0) throw new ArgumentOutOfRangeException(nameof(length));
        if (tile <= 0) throw new ArgumentOutOfRangeException(nameof(tile));
        if (overlap < 0 || 2 * overlap >= tile) throw new ArgumentOutOfRangeException(nameof(overlap));
        return length <= tile
            ? new TileLayout(length, length, [0], scale)
            : new TileLayout(length, tile, EvenStarts(length, tile, overlap), scale);
    }

    /// <summary>
    /// The fewest tiles of <paramref name="tile"/> pixels covering <paramref name="length"/> pixels with at
    /// least <paramref name="overlap"/> pixels shared by neighbours, first at 0, last at length - tile.
    /// </summary>
    public static int[] EvenStarts(int length, int tile, int overlap)
    {
        int count = Count(length, tile, overlap);
        var starts = new int[count];
        long span = length - tile;
        for (int i = 0; i < count; i++)
            starts[i] = (int)((i * span * 2 + (count - 1)) / (2L * (count - 1)));
        return starts;
    }

    /// <summary>How many tiles of <paramref name="tile"/> pixels sharing at least <paramref name="overlap"/> cover <paramref name="length"/>.</summary>
    public static int Count(int length, int tile, int overlap) =>
        length <= tile ? 1 : 1 + (int)Math.Ceiling((length - tile) / (double)(tile - overlap));

    /// <summary>The shortest tile with which <paramref name="count"/> tiles sharing at least <paramref name="overlap"/> cover <paramref name="length"/>.</summary>
    public static int ShortestCovering(int length, int count, int overlap) =>
        (int)Math.Ceiling((length + (count - 1) * (double)overlap) / count);

    private float[] TileWeights(int index)
    {
        int outputLength = TileLength * Scale;
        int start = Starts[index];
        int rampBefore = index > 0 ? (Starts[index - 1] + TileLength - start) * Scale : 0;
        int rampAfter = index < Starts.Length - 1 ? (start + TileLength - Starts[index + 1]) * Scale : 0;
        var weights = new float[outputLength];
        for (int u = 0; u < outputLength; u++)
            weights[u] = MathF.Min(Ramp(u + 0.5f, rampBefore), Ramp(outputLength - u - 0.5f, rampAfter));
        return weights;
    }

    /// <summary>
    /// The tile that contributes most to input pixel <paramref name="position"/>: of the tiles covering it, the one
    /// whose blend weight at the pixel's first output pixel is largest (the earlier on a tie).
    /// </summary>
    public int TileAt(int position)
    {
        if (position < 0 || position >= Length) throw new ArgumentOutOfRangeException(nameof(position), position, $"Outside the axis of {Length} pixels.");
        int best = -1;
        for (int i = 0; i < Starts.Length; i++)
        {
            int offset = position - Starts[i];
            if (offset < 0 || offset >= TileLength) continue;
            if (best < 0 || Weights[i][offset * Scale] > Weights[best][(position - Starts[best]) * Scale]) best = i;
        }
        return best;
    }

    /// <summary>
    /// Weight at a distance from the tile's edge, for a band of <paramref name="length"/> pixels shared with a
    /// neighbour: 0 over the outer quarter, rising linearly to 1 at the inner quarter; 1 where there is no
    /// neighbour. The neighbour's weight mirrors it, so the two add up to 1 across the band.
    /// </summary>
    private static float Ramp(float distanceFromEdge, int length)
    {
        if (length == 0)
            return 1f;
        float margin = length / 4;
        return Math.Clamp((distanceFromEdge - margin) / (length - 2 * margin), 0f, 1f);
    }
}
