using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;
using MLNet.SuperRes.Metadata;

namespace MLNet.SuperRes.Files;

/// <summary>16-bit RGBA pixels, alpha not premultiplied.</summary>
internal sealed record SixteenBitImage(ushort[] Pixels, int Width, int Height);

/// <summary>
/// The PNG coding Skia does not do: reading a PNG of 16 bits per channel with its 16 bits (Skia reduces them to 8), and
/// writing 16-bit PNGs and grey ones with alpha (Skia writes those as RGBA). Grey, grey with alpha, RGB and RGBA,
/// interlaced or not, with a tRNS colour key; the critical chunks' and tRNS's CRCs are checked (a damaged ancillary chunk
/// is dropped, as libpng drops it), and the size is refused from the header, as <see cref="ImageFiles"/> does, before
/// anything is inflated.
/// </summary>
internal static class PngCodec
{
    /// <summary>The first bytes of a file that say whether it is a 16-bit PNG.</summary>
    public const int HeadLength = 29;

    /// <summary>Whether <paramref name="head"/> (the file's first <see cref="HeadLength"/> bytes) is a PNG of 16 bits per channel.</summary>
    public static bool IsSixteenBit(ReadOnlySpan<byte> head) =>
        head.Length >= HeadLength && PngChunks.Is(head) && head.Slice(12, 4).SequenceEqual("IHDR"u8) && head[24] == 16;

    public static SixteenBitImage ReadSixteenBit(ReadOnlySpan<byte> file, string name, long maxPixels)
    {
        if (!IsSixteenBit(file))
            throw new InvalidDataException($"Image file '{name}' is not a 16-bit PNG.");
        int width = 0, height = 0, colourType = 0, channels = 0;
        bool interlaced = false, ended = false;
        ushort[]? key = null;
        using var compressed = new MemoryStream();
        int at = PngChunks.Signature.Length;
        while (at < file.Length && !ended)
        {
            if (file.Length - at < 12)
                throw Truncated(name);
            uint length = BinaryPrimitives.ReadUInt32BigEndian(file[at..]);
            if (length > file.Length - at - 12)
                throw Truncated(name);
            ReadOnlySpan<byte> typeAndData = file.Slice(at + 4, 4 + (int)length);
            string type = Encoding.ASCII.GetString(typeAndData[..4]);
            ReadOnlySpan<byte> data = typeAndData[4..];
            bool damaged = Crc32.HashToUInt32(typeAndData) != BinaryPrimitives.ReadUInt32BigEndian(file[(at + 8 + (int)length)..]);
            at += 12 + (int)length;
            if (damaged && char.IsLower(type[0]) && type != "tRNS")
                continue; // a damaged ancillary chunk (text, time) is dropped, as libpng drops it
            if (damaged)
                throw Corrupt(name, $"its {type} chunk fails its CRC check");
            switch (type)
            {
                case "IHDR":
                    if (width != 0 || length != 13)
                        throw Corrupt(name, "its IHDR chunk is malformed");
                    uint w = BinaryPrimitives.ReadUInt32BigEndian(data), h = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
                    colourType = data[9];
                    channels = colourType switch { 0 => 1, 2 => 3, 4 => 2, 6 => 4, _ => 0 };
                    if (w is 0 or > int.MaxValue || h is 0 or > int.MaxValue || channels == 0 || data[10] != 0 || data[11] != 0 || data[12] > 1)
                        throw Corrupt(name, $"its IHDR chunk is invalid ({w}x{h}, colour type {colourType}, compression {data[10]}, " +
                                            $"filter {data[11]}, interlace {data[12]})");
                    (width, height, interlaced) = ((int)w, (int)h, data[12] == 1);
                    ImageFiles.CheckDeclaredSize(name, width, height, maxPixels);
                    break;
                case "tRNS" when colourType == 0 && length == 2:
                    ushort grey = BinaryPrimitives.ReadUInt16BigEndian(data);
                    key = [grey, grey, grey];
                    break;
                case "tRNS" when colourType == 2 && length == 6:
                    key = [BinaryPrimitives.ReadUInt16BigEndian(data), BinaryPrimitives.ReadUInt16BigEndian(data[2..]),
                        BinaryPrimitives.ReadUInt16BigEndian(data[4..])];
                    break;
                case "IDAT":
                    compressed.Write(data);
                    break;
                case "IEND":
                    ended = true;
                    break;
            }
            if (width == 0)
                throw Corrupt(name, "it does not start with an IHDR chunk");
        }

        int bytesPerPixel = 2 * channels;
        var passes = interlaced ? Adam7 : [new Pass(0, 0, 1, 1)];
        long rawLength = 0;
        foreach (var pass in passes)
        {
            var (passWidth, passHeight) = pass.Size(width, height);
            if (passWidth > 0 && passHeight > 0)
                rawLength += passHeight * (1 + (long)passWidth * bytesPerPixel);
        }
        if (rawLength > Array.MaxLength)
            throw new InvalidDataException($"Image file '{name}' is {width}x{height}: too large to decode in one buffer.");
        if (rawLength > MaxDeflateRatio * compressed.Length + 1024)
            throw Truncated(name); // deflate cannot expand that far: the image data is missing, and its buffer is not allocated
        var raw = new byte[rawLength];
        compressed.Position = 0;
        int inflated;
        try
        {
            using var zlib = new ZLibStream(compressed, CompressionMode.Decompress);
            inflated = zlib.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Image file '{name}' is corrupt: its PNG image data does not inflate ({e.Message}).", e);
        }
        if (inflated < raw.Length)
            throw Truncated(name);

        var pixels = new ushort[(long)width * height * 4];
        int offset = 0;
        foreach (var pass in passes)
        {
            var (passWidth, passHeight) = pass.Size(width, height);
            if (passWidth == 0 || passHeight == 0)
                continue;
            int stride = passWidth * bytesPerPixel;
            Span<byte> previous = [];
            for (int y = 0; y < passHeight; y++, offset += 1 + stride)
            {
                Span<byte> row = raw.AsSpan(offset + 1, stride);
                Unfilter(raw[offset], row, previous, bytesPerPixel, name);
                previous = row;
                int target = ((pass.Top + y * pass.RowStep) * width + pass.Left) * 4;
                for (int x = 0; x < passWidth; x++, target += pass.ColumnStep * 4)
                    Expand(row.Slice(x * bytesPerPixel, bytesPerPixel), colourType, key, pixels.AsSpan(target, 4));
            }
        }
        return new SixteenBitImage(pixels, width, height);
    }

    /// <summary>
    /// Encodes RGBA <paramref name="pixels"/> (alpha not premultiplied; 16 bits per channel for <see cref="ushort"/>, 8
    /// for <see cref="byte"/>) as a PNG, as grey when <paramref name="grey"/> (R = G = B: red is written) and with alpha
    /// only when <paramref name="alpha"/>, each row with the filter that compresses it best by libpng's measure (the
    /// least sum of absolute differences).
    /// </summary>
    public static byte[] Write<T>(ReadOnlySpan<T> pixels, int width, int height, bool grey, bool alpha)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        if (pixels.Length != (long)width * height * 4)
            throw new ArgumentException($"Got {pixels.Length} values for a {width}x{height} RGBA image.", nameof(pixels));
        int channels = (grey ? 1 : 3) + (alpha ? 1 : 0);
        int bytesPerSample = Unsafe.SizeOf<T>(), bytesPerPixel = bytesPerSample * channels, stride = width * bytesPerPixel;
        using var output = new MemoryStream();
        output.Write(PngChunks.Signature);
        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = (byte)(8 * bytesPerSample);
        header[9] = (byte)((grey ? 0 : 2) | (alpha ? 4 : 0));
        PngChunks.WriteChunk(output, "IHDR", header);

        using var data = new MemoryStream();
        using (var zlib = new ZLibStream(data, CompressionLevel.Optimal, leaveOpen: true))
        {
            var previous = new byte[stride];
            var current = new byte[stride];
            var candidates = new byte[5][];
            for (int f = 0; f < 5; f++) candidates[f] = new byte[1 + stride];
            for (int y = 0; y < height; y++)
            {
                ReadOnlySpan<T> source = pixels.Slice(y * width * 4, width * 4);
                int o = 0;
                for (int x = 0; x < width; x++)
                {
                    ReadOnlySpan<T> pixel = source.Slice(x * 4, 4);
                    o += pixel[0].WriteBigEndian(current, o);
                    if (!grey)
                    {
                        o += pixel[1].WriteBigEndian(current, o);
                        o += pixel[2].WriteBigEndian(current, o);
                    }
                    if (alpha)
                        o += pixel[3].WriteBigEndian(current, o);
                }
                byte[] best = candidates[0];
                long bestCost = long.MaxValue;
                for (byte f = 0; f < 5; f++)
                {
                    byte[] candidate = candidates[f];
                    candidate[0] = f;
                    long cost = Filter(f, current, previous, bytesPerPixel, candidate.AsSpan(1));
                    if (cost < bestCost)
                        (best, bestCost) = (candidate, cost);
                }
                zlib.Write(best);
                (previous, current) = (current, previous);
            }
        }
        const int MaxIdatLength = 1 << 20;
        var compressed = data.GetBuffer().AsSpan(0, (int)data.Length);
        for (int start = 0; start < compressed.Length; start += MaxIdatLength)
            PngChunks.WriteChunk(output, "IDAT", compressed[start..Math.Min(compressed.Length, start + MaxIdatLength)]);
        PngChunks.WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>One pass of the image's rows: all of them, or one of Adam7's seven.</summary>
    private readonly record struct Pass(int Left, int Top, int ColumnStep, int RowStep)
    {
        public (int Width, int Height) Size(int width, int height) =>
            ((width - Left + ColumnStep - 1) / ColumnStep, (height - Top + RowStep - 1) / RowStep);
    }

    private static readonly Pass[] Adam7 =
        [new(0, 0, 8, 8), new(4, 0, 8, 8), new(0, 4, 4, 8), new(2, 0, 4, 4), new(0, 2, 2, 4), new(1, 0, 2, 2), new(0, 1, 1, 2)];

    /// <summary>Undoes a row's filter in place; <paramref name="previous"/> is empty for a pass's first row.</summary>
    private static void Unfilter(byte filter, Span<byte> row, ReadOnlySpan<byte> previous, int bytesPerPixel, string name)
    {
        switch (filter)
        {
            case 0:
                break;
            case 1:
                for (int i = bytesPerPixel; i < row.Length; i++) row[i] += row[i - bytesPerPixel];
                break;
            case 2:
                if (!previous.IsEmpty)
                    for (int i = 0; i < row.Length; i++) row[i] += previous[i];
                break;
            case 3:
                for (int i = 0; i < row.Length; i++)
                    row[i] += (byte)(((i >= bytesPerPixel ? row[i - bytesPerPixel] : 0) + (previous.IsEmpty ? 0 : previous[i])) >> 1);
                break;
            case 4:
                for (int i = 0; i < row.Length; i++)
                    row[i] += Paeth(i >= bytesPerPixel ? row[i - bytesPerPixel] : (byte)0, previous.IsEmpty ? (byte)0 : previous[i],
                        i >= bytesPerPixel && !previous.IsEmpty ? previous[i - bytesPerPixel] : (byte)0);
                break;
            default:
                throw Corrupt(name, $"a row has filter type {filter}, which PNG does not define");
        }
    }

    /// <summary>Filters <paramref name="row"/> with <paramref name="filter"/> into <paramref name="target"/>, returning libpng's cost of the result.</summary>
    private static long Filter(byte filter, ReadOnlySpan<byte> row, ReadOnlySpan<byte> previous, int bytesPerPixel, Span<byte> target)
    {
        long cost = 0;
        for (int i = 0; i < row.Length; i++)
        {
            byte left = i >= bytesPerPixel ? row[i - bytesPerPixel] : (byte)0, up = previous[i];
            byte predicted = filter switch
            {
                0 => 0,
                1 => left,
                2 => up,
                3 => (byte)((left + up) >> 1),
                _ => Paeth(left, up, i >= bytesPerPixel ? previous[i - bytesPerPixel] : (byte)0),
            };
            byte value = (byte)(row[i] - predicted);
            target[i] = value;
            cost += Math.Abs((int)(sbyte)value);
        }
        return cost;
    }

    private static byte Paeth(byte left, byte up, byte upLeft)
    {
        int estimate = left + up - upLeft;
        int toLeft = Math.Abs(estimate - left), toUp = Math.Abs(estimate - up), toUpLeft = Math.Abs(estimate - upLeft);
        return toLeft <= toUp && toLeft <= toUpLeft ? left : toUp <= toUpLeft ? up : upLeft;
    }

    /// <summary>One stored pixel (big-endian 16-bit samples of colour type <paramref name="colourType"/>) as RGBA.</summary>
    private static void Expand(ReadOnlySpan<byte> stored, int colourType, ushort[]? key, Span<ushort> rgba)
    {
        bool colour = colourType is 2 or 6, alpha = colourType is 4 or 6;
        rgba[0] = BinaryPrimitives.ReadUInt16BigEndian(stored);
        rgba[1] = colour ? BinaryPrimitives.ReadUInt16BigEndian(stored[2..]) : rgba[0];
        rgba[2] = colour ? BinaryPrimitives.ReadUInt16BigEndian(stored[4..]) : rgba[0];
        if (alpha)
            rgba[3] = BinaryPrimitives.ReadUInt16BigEndian(stored[(colour ? 6 : 2)..]);
        else
            rgba[3] = key is not null && rgba[0] == key[0] && rgba[1] == key[1] && rgba[2] == key[2] ? (ushort)0 : ushort.MaxValue;
    }

    /// <summary>The most deflate expands its input (258 bytes from a 2-bit code, about 1032 to 1).</summary>
    private const long MaxDeflateRatio = 1032;

    private static InvalidDataException Truncated(string name) =>
        new($"Image file '{name}' is truncated: its PNG data ends before the whole image.");

    private static InvalidDataException Corrupt(string name, string what) =>
        new($"Image file '{name}' is corrupt: {what}.");
}
