using System.Buffers.Binary;
using System.Text;

namespace MLNet.SuperRes.Metadata;

/// <summary>
/// A WebP's ICC profile (ICCP) and EXIF chunks, read and written. Both need the extended layout: a simple file (one VP8
/// or VP8L chunk) gets a VP8X header first.
/// </summary>
internal static class WebpChunks
{
    private const byte IccFlag = 0x20, AlphaFlag = 0x10, ExifFlag = 0x08;

    public static bool Is(ReadOnlySpan<byte> file) =>
        file.Length >= 12 && file.StartsWith("RIFF"u8) && file.Slice(8, 4).SequenceEqual("WEBP"u8);

    public static (byte[]? Icc, byte[]? Exif) Read(ReadOnlySpan<byte> file)
    {
        byte[]? icc = null, exif = null;
        foreach (var (type, start, length) in Chunks(file))
        {
            var data = file.Slice(start, length);
            if (type == "ICCP" && icc is null)
                icc = data.ToArray();
            else if (type == "EXIF" && exif is null)
                exif = (data.StartsWith("Exif\0\0"u8) ? data[6..] : data).ToArray(); // some writers keep JPEG's prefix
        }
        return (icc, exif);
    }

    /// <summary><paramref name="encoded"/> in the extended layout, with the profile before the image and the EXIF after it.</summary>
    public static byte[] Embed(ReadOnlySpan<byte> encoded, byte[]? icc, byte[]? exif, int width, int height)
    {
        var chunks = Chunks(encoded);
        byte flags = 0;
        if (chunks.Count > 0 && chunks[0].Type == "VP8X")
            flags = encoded[chunks[0].Start];
        else
            foreach (var (type, start, length) in chunks)
                if (type == "ALPH" || (type == "VP8L" && LosslessHasAlpha(encoded.Slice(start, length))))
                    flags = AlphaFlag;
        flags = (byte)(flags & ~(IccFlag | ExifFlag) | (icc is not null ? IccFlag : 0) | (exif is not null ? ExifFlag : 0));

        using var output = new MemoryStream(encoded.Length + (icc?.Length ?? 0) + (exif?.Length ?? 0) + 64);
        output.Write("RIFF\0\0\0\0WEBP"u8);
        Span<byte> header = stackalloc byte[10];
        header[0] = flags;
        WriteUInt24(header[4..], width - 1);
        WriteUInt24(header[7..], height - 1);
        WriteChunk(output, "VP8X", header);
        if (icc is not null)
            WriteChunk(output, "ICCP", icc);
        foreach (var (type, start, length) in chunks)
            if (type is not ("VP8X" or "ICCP" or "EXIF"))
                WriteChunk(output, type, encoded.Slice(start, length));
        if (exif is not null)
            WriteChunk(output, "EXIF", exif);
        var file = output.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), (uint)(file.Length - 8));
        return file;
    }

    /// <summary>The alpha_is_used bit of a VP8L header (signature, 14 + 14 bits of size, then it).</summary>
    private static bool LosslessHasAlpha(ReadOnlySpan<byte> data) =>
        data.Length >= 5 && (BinaryPrimitives.ReadUInt32LittleEndian(data[1..]) >> 28 & 1) != 0;

    private static List<(string Type, int Start, int Length)> Chunks(ReadOnlySpan<byte> file)
    {
        var chunks = new List<(string, int, int)>();
        int at = 12;
        while (at + 8 <= file.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(file[(at + 4)..]);
            if (length > file.Length - at - 8)
                break;
            chunks.Add((Encoding.ASCII.GetString(file.Slice(at, 4)), at + 8, (int)length));
            at += 8 + (int)length + (int)(length & 1);
        }
        return chunks;
    }

    private static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[8];
        Encoding.ASCII.GetBytes(type, head);
        BinaryPrimitives.WriteUInt32LittleEndian(head[4..], (uint)data.Length);
        output.Write(head);
        output.Write(data);
        if ((data.Length & 1) != 0)
            output.WriteByte(0);
    }

    private static void WriteUInt24(Span<byte> target, int value)
    {
        target[0] = (byte)value;
        target[1] = (byte)(value >> 8);
        target[2] = (byte)(value >> 16);
    }
}
