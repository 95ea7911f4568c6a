using System.Runtime.InteropServices;

namespace MLNet.SuperRes.Engine;

/// <summary>
/// The 8 flips and rotations of an image (the dihedral group), written once for the geometric
/// self-ensemble and for training augmentation. Transform <c>k</c> transposes when bit 2 is set, then
/// mirrors rows (bit 1) and columns (bit 0).
/// </summary>
internal static class DihedralTransform
{
    public const int Count = 8;

    /// <summary>Size of the image after transform <paramref name="k"/>.</summary>
    public static (int Height, int Width) TransformedSize(int k, int height, int width) =>
        Transposes(k) ? (width, height) : (height, width);

    /// <summary>Writes transform <paramref name="k"/> of the planar image <paramref name="source"/> into <paramref name="destination"/>.</summary>
    public static void Apply(int k, ReadOnlySpan<float> source, int height, int width, Span<float> destination)
    {
        int plane = height * width;
        for (int c = 0; c < 3; c++)
            Permute(k, source.Slice(c * plane, plane), height, width, destination.Slice(c * plane, plane));
    }

    /// <summary>
    /// Adds the network output for transform <paramref name="k"/> (of size TransformedSize(k, height, width))
    /// back in the original orientation, into <paramref name="accumulator"/> of <paramref name="height"/> × <paramref name="width"/>.
    /// </summary>
    public static void AccumulateInverse(int k, ReadOnlySpan<float> transformed, int height, int width, Span<float> accumulator)
    {
        var (tHeight, tWidth) = TransformedSize(k, height, width);
        int plane = height * width;
        for (int c = 0; c < 3; c++)
        {
            ReadOnlySpan<float> src = transformed.Slice(c * plane, plane);
            Span<float> dst = accumulator.Slice(c * plane, plane);
            for (int y = 0; y < tHeight; y++)
                for (int x = 0; x < tWidth; x++)
                {
                    var (oy, ox) = SourceOf(k, y, x, tHeight, tWidth);
                    dst[oy * width + ox] += src[y * tWidth + x];
                }
        }
    }

    /// <summary>
    /// The transform that turns an image stored with EXIF orientation <paramref name="orientation"/> (1 to 8) upright:
    /// 6, a portrait phone photo stored landscape, is a quarter turn clockwise.
    /// </summary>
    public static int OfExifOrientation(int orientation) => orientation switch
    {
        1 => 0, 2 => 1, 3 => 3, 4 => 2, 5 => 4, 6 => 5, 7 => 7, 8 => 6,
        _ => throw new ArgumentOutOfRangeException(nameof(orientation), orientation, "EXIF orientations are 1 to 8."),
    };

    /// <summary>Transform <paramref name="k"/> of 32-bit pixels (any channel order), into a new buffer.</summary>
    public static byte[] ApplyToPixels(int k, ReadOnlySpan<byte> pixels, int height, int width)
    {
        var result = new byte[pixels.Length];
        Permute(k, MemoryMarshal.Cast<byte, uint>(pixels), height, width, MemoryMarshal.Cast<byte, uint>(result.AsSpan()));
        return result;
    }

    /// <summary>As <see cref="ApplyToPixels(int, ReadOnlySpan{byte}, int, int)"/>, for 64-bit pixels (four 16-bit values).</summary>
    public static ushort[] ApplyToPixels(int k, ReadOnlySpan<ushort> pixels, int height, int width)
    {
        var result = new ushort[pixels.Length];
        Permute(k, MemoryMarshal.Cast<ushort, ulong>(pixels), height, width, MemoryMarshal.Cast<ushort, ulong>(result.AsSpan()));
        return result;
    }

    /// <summary>Transform <paramref name="k"/> of one plane of elements (a float channel, a 32- or 64-bit pixel).</summary>
    private static void Permute<T>(int k, ReadOnlySpan<T> source, int height, int width, Span<T> destination)
    {
        var (tHeight, tWidth) = TransformedSize(k, height, width);
        for (int y = 0; y < tHeight; y++)
            for (int x = 0; x < tWidth; x++)
            {
                var (sy, sx) = SourceOf(k, y, x, tHeight, tWidth);
                destination[y * tWidth + x] = source[sy * width + sx];
            }
    }

    private static bool Transposes(int k) => (k & 4) != 0;

    /// <summary>The pixel of the original image that lands at (y, x) of its transform k, which is tHeight × tWidth.</summary>
    public static (int Y, int X) SourceOf(int k, int y, int x, int tHeight, int tWidth)
    {
        int a = (k & 2) != 0 ? tHeight - 1 - y : y;
        int b = (k & 1) != 0 ? tWidth - 1 - x : x;
        return Transposes(k) ? (b, a) : (a, b);
    }
}
