using System.Buffers.Binary;

namespace MLNet.SuperRes.Metadata;

/// <summary>
/// EXIF as stored in a file: a TIFF structure (byte order mark, 42, the first IFD). Only what an upscaled copy must
/// change is touched: the orientation (the pixels were turned upright) and the pixel dimensions in the Exif IFD.
/// </summary>
internal static class ExifBlock
{
    private const ushort OrientationTag = 0x0112, ExifIfdPointerTag = 0x8769, PixelXDimensionTag = 0xA002, PixelYDimensionTag = 0xA003;
    private const ushort ShortType = 3, LongType = 4;

    /// <summary>Whether <paramref name="tiff"/> starts as a TIFF structure whose first IFD lies within it.</summary>
    public static bool IsWellFormed(ReadOnlySpan<byte> tiff) => FirstIfd(tiff) is int ifd && EntryCount(tiff, ifd) is not null;

    /// <summary>The orientation tag, 1 to 8; 1 where there is none or it says something else.</summary>
    public static int Orientation(ReadOnlySpan<byte> tiff) =>
        FirstIfd(tiff) is int ifd && Find(tiff, ifd, OrientationTag) is int entry && Read(tiff, entry) is >= 1 and <= 8 and var value ? (int)value : 1;

    /// <summary>
    /// Says 1 (upright) in every orientation entry, and where one said otherwise unlinks the thumbnail's IFD (a thumbnail
    /// stays as stored, so it would show turned): for pixels turned upright. False when the block cannot then be read as upright.
    /// </summary>
    public static bool SetUpright(Span<byte> tiff)
    {
        if (FirstIfd(tiff) is not int ifd || EntryCount(tiff, ifd) is not int count)
            return false;
        bool upright = true, turned = false;
        for (int i = 0; i < count; i++)
        {
            int entry = ifd + 2 + 12 * i;
            if (U16(tiff, entry) != OrientationTag)
                continue;
            if (U16(tiff, entry + 2) is ShortType or LongType && U32(tiff, entry + 4) == 1)
            {
                turned |= Read(tiff, entry) != 1;
                Write(tiff, entry, 1);
            }
            else
                upright = false; // an entry of another type or count, which some reader might still take
        }
        int next = ifd + 2 + 12 * count;
        if (turned && next + 4 <= tiff.Length)
            tiff.Slice(next, 4).Clear();
        return upright;
    }

    /// <summary>Sets the Exif IFD's pixel dimensions, where it has them, to the image's.</summary>
    public static void SetPixelDimensions(Span<byte> tiff, int width, int height)
    {
        if (FirstIfd(tiff) is not int ifd || Find(tiff, ifd, ExifIfdPointerTag) is not int pointer)
            return;
        uint exifIfd = Read(tiff, pointer);
        if (exifIfd >= tiff.Length)
            return;
        if (Find(tiff, (int)exifIfd, PixelXDimensionTag) is int x)
            Write(tiff, x, (uint)width);
        if (Find(tiff, (int)exifIfd, PixelYDimensionTag) is int y)
            Write(tiff, y, (uint)height);
    }

    private static bool BigEndian(ReadOnlySpan<byte> tiff) => tiff[0] == (byte)'M';

    private static int? FirstIfd(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8 || !((tiff[0] == 'I' && tiff[1] == 'I') || (tiff[0] == 'M' && tiff[1] == 'M')) || U16(tiff, 2) != 42)
            return null;
        uint offset = U32(tiff, 4);
        return offset >= 8 && offset <= tiff.Length - 2 ? (int)offset : null;
    }

    private static int? EntryCount(ReadOnlySpan<byte> tiff, int ifd)
    {
        if (ifd < 0 || ifd > tiff.Length - 2)
            return null;
        int count = U16(tiff, ifd);
        return ifd + 2 + 12L * count <= tiff.Length ? count : null;
    }

    /// <summary>Where the entry of <paramref name="tag"/> lies in the IFD at <paramref name="ifd"/>, if it holds one value of SHORT or LONG.</summary>
    private static int? Find(ReadOnlySpan<byte> tiff, int ifd, ushort tag)
    {
        if (EntryCount(tiff, ifd) is not int count)
            return null;
        for (int i = 0; i < count; i++)
        {
            int entry = ifd + 2 + 12 * i;
            if (U16(tiff, entry) == tag)
                return U16(tiff, entry + 2) is ShortType or LongType && U32(tiff, entry + 4) == 1 ? entry : null;
        }
        return null;
    }

    private static uint Read(ReadOnlySpan<byte> tiff, int entry) => U16(tiff, entry + 2) == ShortType ? U16(tiff, entry + 8) : U32(tiff, entry + 8);

    private static void Write(Span<byte> tiff, int entry, uint value)
    {
        bool big = BigEndian(tiff);
        var field = tiff.Slice(entry + 8, 4);
        if (U16(tiff, entry + 2) == ShortType)
        {
            if (value > ushort.MaxValue)
                return;
            if (big) BinaryPrimitives.WriteUInt16BigEndian(field, (ushort)value);
            else BinaryPrimitives.WriteUInt16LittleEndian(field, (ushort)value);
        }
        else if (big) BinaryPrimitives.WriteUInt32BigEndian(field, value);
        else BinaryPrimitives.WriteUInt32LittleEndian(field, value);
    }

    private static ushort U16(ReadOnlySpan<byte> tiff, int at) =>
        BigEndian(tiff) ? BinaryPrimitives.ReadUInt16BigEndian(tiff[at..]) : BinaryPrimitives.ReadUInt16LittleEndian(tiff[at..]);

    private static uint U32(ReadOnlySpan<byte> tiff, int at) =>
        BigEndian(tiff) ? BinaryPrimitives.ReadUInt32BigEndian(tiff[at..]) : BinaryPrimitives.ReadUInt32LittleEndian(tiff[at..]);
}
