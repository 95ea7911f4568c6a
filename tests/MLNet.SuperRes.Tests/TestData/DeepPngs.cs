using MLNet.SuperRes.Metadata;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace MLNet.SuperRes.Tests.TestData;

/// <summary>16-bit PNGs as scanners and editors write them, encoded by ImageSharp (an encoder independent of the library's).</summary>
public static class DeepPngs
{
    /// <summary>
    /// A smooth 16-bit image with detail below 8-bit steps and seeded noise: grey (R = G = B) for the grey colour types,
    /// alpha between a quarter and fully opaque for those with alpha, opaque otherwise.
    /// </summary>
    public static Rgba64[] Pixels(int width, int height, PngColorType colourType, int seed = 1)
    {
        var random = new Random(seed);
        bool grey = colourType is PngColorType.Grayscale or PngColorType.GrayscaleWithAlpha;
        bool alpha = colourType is PngColorType.GrayscaleWithAlpha or PngColorType.RgbWithAlpha;
        var pixels = new Rgba64[width * height];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                ushort Channel(double phase) =>
                    (ushort)Math.Clamp(20000 + 9000 * Math.Sin(x / 3.0 + phase) * Math.Cos(y / 4.0) + random.Next(-300, 300), 0, 65535);
                ushort r = Channel(0), g = grey ? r : Channel(1), b = grey ? r : Channel(2);
                ushort a = alpha ? (ushort)(16384 + (49151L * (x + y) / (width + height - 2))) : ushort.MaxValue;
                pixels[y * width + x] = new Rgba64(r, g, b, a);
            }
        return pixels;
    }

    /// <summary><paramref name="pixels"/> as a 16-bit PNG of <paramref name="colourType"/>, interlaced (Adam7) when asked.</summary>
    public static byte[] Encode(Rgba64[] pixels, int width, int height, PngColorType colourType, bool interlaced = false)
    {
        using var image = Image.LoadPixelData(pixels, width, height);
        using var file = new MemoryStream();
        image.SaveAsPng(file, new PngEncoder
        {
            BitDepth = PngBitDepth.Bit16,
            ColorType = colourType,
            InterlaceMethod = interlaced ? PngInterlaceMode.Adam7 : PngInterlaceMode.None,
        });
        return file.ToArray();
    }

    /// <summary>A 16-bit PNG of <see cref="Pixels"/>.</summary>
    public static byte[] Png(int width, int height, PngColorType colourType, bool interlaced = false, int seed = 1) =>
        Encode(Pixels(width, height, colourType, seed), width, height, colourType, interlaced);

    /// <summary><paramref name="png"/> with <paramref name="type"/> chunk of <paramref name="data"/> right after its IHDR.</summary>
    public static byte[] WithChunkAfterHeader(byte[] png, string type, byte[] data)
    {
        const int AfterHeader = 8 + 12 + 13;
        using var file = new MemoryStream();
        file.Write(png.AsSpan(0, AfterHeader));
        PngChunks.WriteChunk(file, type, data);
        file.Write(png.AsSpan(AfterHeader));
        return file.ToArray();
    }

    /// <summary><paramref name="png"/> with an iCCP chunk holding <paramref name="profile"/>.</summary>
    public static byte[] WithProfile(byte[] png, byte[] profile)
    {
        using var data = new MemoryStream();
        data.Write("scanner\0\0"u8);
        using (var zlib = new System.IO.Compression.ZLibStream(data, System.IO.Compression.CompressionLevel.Optimal, leaveOpen: true))
            zlib.Write(profile);
        return WithChunkAfterHeader(png, "iCCP", data.ToArray());
    }

    /// <summary>The ImageSharp decoding of <paramref name="png"/> as 16-bit RGBA, with the file's bit depth and colour type.</summary>
    public static (Rgba64[] Pixels, int Width, int Height, PngBitDepth? BitDepth, PngColorType? ColourType) Decode(byte[] png)
    {
        using var image = Image.Load<Rgba64>(png);
        var pixels = new Rgba64[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        var metadata = image.Metadata.GetPngMetadata();
        return (pixels, image.Width, image.Height, metadata.BitDepth, metadata.ColorType);
    }

    /// <summary>The pixels as the library holds them: R, G, B, A values.</summary>
    public static ushort[] Values(Rgba64[] pixels) => pixels.SelectMany(p => new[] { p.R, p.G, p.B, p.A }).ToArray();
}
