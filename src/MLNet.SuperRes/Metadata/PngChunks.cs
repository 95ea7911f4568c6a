using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace MLNet.SuperRes.Metadata;

/// <summary>A PNG's ICC profile (iCCP) and EXIF (eXIf) chunks, read and written.</summary>
internal static class PngChunks
{
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static bool Is(ReadOnlySpan<byte> file) => file.StartsWith(Signature);

    public static (byte[]? Icc, byte[]? Exif) Read(ReadOnlySpan<byte> file)
    {
        byte[]? icc = null, exif = null;
        foreach (var (type, start, length) in Chunks(file))
        {
            var data = file.Slice(start, length);
            if (type == "iCCP" && icc is null)
                icc = Inflate(data);
            else if (type == "eXIf" && exif is null)
                exif = (data.StartsWith("Exif\0\0"u8) ? data[6..] : data).ToArray(); // some writers keep JPEG's prefix
            else if (type == "IEND")
                break;
        }
        return (icc, exif);
    }

    /// <summary>
    /// The EXIF orientation of the PNG in <paramref name="stream"/> (1 to 8; 1 without an eXIf chunk), from its first
    /// eXIf chunk as <see cref="Read"/> takes it, found by seeking from chunk header to chunk header (the image data is
    /// skipped, but eXIf may follow it); the stream is left where it was.
    /// </summary>
    public static int Orientation(Stream stream)
    {
        long start = stream.Position;
        try
        {
            Span<byte> head = stackalloc byte[8];
            stream.Position = start + Signature.Length;
            while (stream.ReadAtLeast(head, 8, throwOnEndOfStream: false) == 8)
            {
                uint length = BinaryPrimitives.ReadUInt32BigEndian(head);
                if (head[4..].SequenceEqual("IEND"u8) || length > stream.Length - stream.Position - 4)
                    break;
                if (head[4..].SequenceEqual("eXIf"u8))
                {
                    if (length > MaxExifBytes)
                        return 1;
                    var data = new byte[length];
                    stream.ReadExactly(data);
                    return ExifBlock.Orientation(data.AsSpan().StartsWith("Exif\0\0"u8) ? data.AsSpan(6) : data);
                }
                stream.Position += length + 4;
            }
            return 1;
        }
        finally
        {
            stream.Position = start;
        }
    }

    /// <summary>
    /// <paramref name="encoded"/> with the profile and EXIF after its header, in place of any colour-space chunks the
    /// encoder wrote (a profile replaces them).
    /// </summary>
    public static byte[] Embed(ReadOnlySpan<byte> encoded, byte[]? icc, byte[]? exif)
    {
        using var output = new MemoryStream(encoded.Length + (icc?.Length ?? 0) + (exif?.Length ?? 0) + 64);
        output.Write(Signature);
        foreach (var (type, start, length) in Chunks(encoded))
        {
            bool replaced = type == "eXIf" || (icc is not null && type is "iCCP" or "sRGB" or "gAMA" or "cHRM");
            if (!replaced)
                output.Write(encoded.Slice(start - 8, length + 12));
            if (type == "IHDR")
            {
                if (icc is not null)
                    WriteChunk(output, "iCCP", [.. "ICC Profile\0\0"u8, .. Deflate(icc)]);
                if (exif is not null)
                    WriteChunk(output, "eXIf", exif);
            }
        }
        return output.ToArray();
    }

    /// <summary>Each whole chunk: its type, and where its data starts and how long it is; a damaged tail ends the walk.</summary>
    private static List<(string Type, int Start, int Length)> Chunks(ReadOnlySpan<byte> file)
    {
        var chunks = new List<(string, int, int)>();
        int at = Signature.Length;
        while (at + 12 <= file.Length)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(file[at..]);
            if (length > file.Length - at - 12)
                break;
            chunks.Add((Encoding.ASCII.GetString(file.Slice(at + 4, 4)), at + 8, (int)length));
            at += 12 + (int)length;
        }
        return chunks;
    }

    /// <summary>Writes one chunk: length, type, data and CRC.</summary>
    public static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(head, (uint)data.Length);
        Encoding.ASCII.GetBytes(type, head[4..]);
        output.Write(head);
        output.Write(data);
        var crc = new Crc32(); // PNG's CRC is ISO 3309's, which System.IO.Hashing computes
        crc.Append(head[4..]);
        crc.Append(data);
        Span<byte> value = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(value, crc.GetCurrentHashAsUInt32());
        output.Write(value);
    }

    /// <summary>The profile of an iCCP chunk (a name, a zero, method 0, zlib data), or null when it cannot be read.</summary>
    private static byte[]? Inflate(ReadOnlySpan<byte> data)
    {
        int name = data.IndexOf((byte)0);
        if (name is < 1 or > 79 || name + 2 > data.Length || data[name + 1] != 0)
            return null;
        try
        {
            using var zlib = new ZLibStream(new MemoryStream(data[(name + 2)..].ToArray()), CompressionMode.Decompress);
            using var profile = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = zlib.Read(buffer)) > 0)
            {
                if (profile.Length + read > MaxProfileBytes)
                    return null; // not a colour profile: a compression bomb
                profile.Write(buffer, 0, read);
            }
            return profile.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    private static byte[] Deflate(byte[] profile)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            zlib.Write(profile);
        return compressed.ToArray();
    }

    /// <summary>Far above any real EXIF block (a JPEG holds at most 64 KB).</summary>
    private const int MaxExifBytes = 16 << 20;

    /// <summary>Far above any real profile (a few kilobytes, a few megabytes for the largest device links).</summary>
    public const int MaxProfileBytes = 64 << 20;
}
