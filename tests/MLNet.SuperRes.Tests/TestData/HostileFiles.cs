using System.Buffers.Binary;
using System.IO.Compression;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;

namespace MLNet.SuperRes.Tests.TestData;

/// <summary>Broken and malicious image files, written into a folder of their own.</summary>
public sealed class HostileFiles : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("superres-hostile-").FullName;

    public void Dispose() => Directory.Delete(Folder, recursive: true);

    public string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(Folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>
    /// A valid PNG of a few hundred bytes whose header declares <paramref name="width"/> × <paramref name="height"/> RGB
    /// pixels of <paramref name="bitDepth"/> bits per channel (a decompression bomb).
    /// </summary>
    public static byte[] PngDeclaring(int width, int height, int bitDepth = 8)
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(0), width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = (byte)bitDepth;
        header[9] = 2; // RGB
        Chunk(png, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
                zlib.Write(new byte[1 + 3 * bitDepth / 8 * width]); // one row of zeros; the rest is missing
            Chunk(png, "IDAT", compressed.ToArray());
        }
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>Set5's head.png cut to <paramref name="fraction"/> of its length.</summary>
    public static byte[] Truncated(string set5Name, double fraction)
    {
        byte[] whole = File.ReadAllBytes(Path.Combine(TestImages.Set5Folder, set5Name));
        return whole[..(int)(whole.Length * fraction)];
    }

    /// <summary>An animated GIF of <paramref name="frames"/> 8x8 frames.</summary>
    public static byte[] AnimatedGif(int frames)
    {
        using var gif = new Image<Rgba32>(8, 8, new Rgba32(200, 30, 30));
        for (int i = 1; i < frames; i++)
        {
            using var frame = new Image<Rgba32>(8, 8, new Rgba32(30, (byte)(60 * i), 200));
            gif.Frames.AddFrame(frame.Frames.RootFrame);
        }
        using var stream = new MemoryStream();
        gif.Save(stream, new GifEncoder());
        return stream.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        byte[] typed = [.. System.Text.Encoding.ASCII.GetBytes(type), .. data];
        png.Write(typed);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typed));
        png.Write(crc);
    }

    /// <summary>CRC-32 as the PNG specification's annex computes it, bit by bit: a check of its own on the library's chunks.</summary>
    public static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
