using System.Buffers.Binary;
using MLNet.SuperRes.Files;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace MLNet.SuperRes.Evaluation.Images;

/// <summary>
/// An 8-bit RGB image with interleaved pixels (row-major, HWC: R, G, B per pixel).
/// </summary>
public sealed class RgbImage
{
    /// <summary>The default largest image, in pixels, that <see cref="Load"/> decodes (100 megapixels).</summary>
    public const long DefaultMaxPixels = 100_000_000;

    /// <summary>The file extensions <see cref="Load"/> and <see cref="Save"/> handle (lower case, with the dot).</summary>
    public static readonly IReadOnlyList<string> SupportedExtensions = [".png", ".bmp", ".jpg", ".jpeg", ".webp"];

    /// <summary>The files of <paramref name="folder"/> with a supported extension, sorted by name (ordinal); possibly none.</summary>
    public static IReadOnlyList<string> ImageFilesIn(string folder) =>
        Directory.EnumerateFiles(folder)
            .Where(f => SupportedExtensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal)
            .ToList();

    private static readonly Configuration DecoderConfiguration = new(
        new PngConfigurationModule(),
        new BmpConfigurationModule(),
        new JpegConfigurationModule(),
        new WebpConfigurationModule());

    /// <summary>Creates an image over <paramref name="pixels"/> (not copied).</summary>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    /// <param name="pixels">Interleaved RGB bytes, length 3 * width * height.</param>
    /// <param name="isGreyscale">Whether the image came from a file that stored a single grey channel.</param>
    public RgbImage(int width, int height, byte[] pixels, bool isGreyscale = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.LongLength != 3L * width * height)
            throw new ArgumentException($"Expected {3L * width * height} bytes for a {width}x{height} RGB image, got {pixels.LongLength}.", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
        IsGreyscale = isGreyscale;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Interleaved RGB bytes, row-major (HWC), length 3 * Width * Height.</summary>
    public byte[] Pixels { get; }

    /// <summary>
    /// True when the file this image was loaded from stored one grey channel (a greyscale PNG, a
    /// luminance-only JPEG). Decided from the file format, not from the pixels: an RGB file whose
    /// channels happen to be equal is not greyscale. The pixels are always RGB, with R = G = B here.
    /// </summary>
    public bool IsGreyscale { get; }

    /// <summary>
    /// Loads a PNG, BMP, JPEG or WebP file as 8-bit RGB (alpha is dropped).
    /// </summary>
    /// <param name="path">The image file.</param>
    /// <param name="maxPixels">The largest image accepted, in pixels; checked from the header before decoding.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a decodable image in a supported format, is truncated, or has more than <paramref name="maxPixels"/> pixels.</exception>
    public static RgbImage Load(string path, long maxPixels = DefaultMaxPixels)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPixels, 1);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Image file '{path}' does not exist.", path);

        var fileLength = new FileInfo(path).Length;
        if (fileLength > Array.MaxLength)
            throw new InvalidDataException($"Image file '{path}' is {fileLength} bytes, too large to load.");
        byte[] bytes = File.ReadAllBytes(path);

        try
        {
            var info = Image.Identify(DecoderConfiguration, bytes, out IImageFormat? format);
            if (info is null || format is null)
                throw new InvalidDataException($"Image file '{path}' is not a PNG, BMP, JPEG or WebP image.");
            long pixelCount = (long)info.Width * info.Height;
            if (pixelCount > maxPixels || 3 * pixelCount > Array.MaxLength)
                throw new InvalidDataException(
                    $"Image file '{path}' is {info.Width}x{info.Height} = {pixelCount} pixels, more than the limit of {Math.Min(maxPixels, Array.MaxLength / 3)} pixels.");
            // ImageSharp 2.1 decodes a cut-off BMP, JPEG, WebP or multi-chunk PNG without complaint, filling the rest.
            string? truncation = ImageFileStructure.FindTruncation(bytes, format);
            if (truncation is not null)
                throw new InvalidDataException($"Image file '{path}' is truncated: {truncation}.");

            using var image = Image.Load<Rgb24>(DecoderConfiguration, bytes);
            var pixels = new byte[3L * image.Width * image.Height];
            image.CopyPixelDataTo(pixels);
            return new RgbImage(image.Width, image.Height, pixels, StoresSingleGreyChannel(image.Metadata, format));
        }
        catch (ImageFormatException e)
        {
            throw new InvalidDataException($"Image file '{path}' could not be decoded: {e.Message}", e);
        }
    }

    /// <summary>
    /// Saves the image under a temporary name, then renames it; the format follows the extension (.png, .bmp,
    /// .jpg/.jpeg, .webp; WebP is written lossless).
    /// </summary>
    /// <exception cref="ArgumentException">The extension is not one of the supported formats.</exception>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        IImageEncoder encoder = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => new PngEncoder(),
            ".bmp" => new BmpEncoder { BitsPerPixel = BmpBitsPerPixel.Pixel24 },
            ".jpg" or ".jpeg" => new JpegEncoder { Quality = 95 },
            ".webp" => new WebpEncoder { FileFormat = WebpFileFormatType.Lossless },
            var other => throw new ArgumentException($"Cannot save '{path}': unsupported extension '{other}' (use {string.Join(", ", SupportedExtensions)}).", nameof(path)),
        };
        using var image = Image.LoadPixelData<Rgb24>(Pixels, Width, Height);
        AtomicFile.Write(path, stream => image.Save(stream, encoder));
    }

    /// <summary>Crops from the top-left corner so that both sides are multiples of <paramref name="scale"/>.</summary>
    public RgbImage ModCrop(int scale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        int width = Width - Width % scale, height = Height - Height % scale;
        if (width == 0 || height == 0)
            throw new ArgumentException($"A {Width}x{Height} image is smaller than the scale {scale}.", nameof(scale));
        return Crop(0, 0, width, height);
    }

    /// <summary>Returns the <paramref name="width"/> x <paramref name="height"/> region whose top-left corner is (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public RgbImage Crop(int x, int y, int width, int height)
    {
        if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > Width || y + height > Height)
            throw new ArgumentOutOfRangeException(nameof(width), $"Crop ({x}, {y}, {width}x{height}) does not fit in a {Width}x{Height} image.");
        if (x == 0 && y == 0 && width == Width && height == Height)
            return new RgbImage(Width, Height, (byte[])Pixels.Clone(), IsGreyscale);
        var pixels = new byte[3L * width * height];
        for (int row = 0; row < height; row++)
            Array.Copy(Pixels, 3L * ((y + row) * (long)Width + x), pixels, 3L * row * width, 3L * width);
        return new RgbImage(width, height, pixels, IsGreyscale);
    }

    /// <summary>Converts to planar float RGB (CHW, length 3 * Height * Width) with values byte / 255 in [0, 1].</summary>
    public float[] ToPlanarFloat()
    {
        int planeSize = Width * Height;
        var planar = new float[3 * planeSize];
        for (int i = 0; i < planeSize; i++)
        {
            planar[i] = Pixels[3 * i] / 255f;
            planar[planeSize + i] = Pixels[3 * i + 1] / 255f;
            planar[2 * planeSize + i] = Pixels[3 * i + 2] / 255f;
        }
        return planar;
    }

    /// <summary>
    /// Converts planar float RGB (CHW) in [0, 1] to an 8-bit image, each value quantised with <see cref="Quantize"/>.
    /// </summary>
    public static RgbImage FromPlanarFloat(ReadOnlySpan<float> planar, int width, int height, bool isGreyscale = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        int planeSize = width * height;
        if (planar.Length != 3 * planeSize)
            throw new ArgumentException($"Expected {3 * planeSize} floats for a 3x{height}x{width} image, got {planar.Length}.", nameof(planar));
        var pixels = new byte[3 * planeSize];
        for (int i = 0; i < planeSize; i++)
        {
            pixels[3 * i] = Quantize(planar[i]);
            pixels[3 * i + 1] = Quantize(planar[planeSize + i]);
            pixels[3 * i + 2] = Quantize(planar[2 * planeSize + i]);
        }
        return new RgbImage(width, height, pixels, isGreyscale);
    }

    /// <summary>Interleaved RGBA bytes (alpha 255), the layout ML.NET's MLImage takes as Rgba32.</summary>
    public byte[] ToRgba32()
    {
        var rgba = new byte[4L * Width * Height];
        for (long i = 0, j = 0; i < Pixels.Length; i += 3, j += 4)
        {
            rgba[j] = Pixels[i];
            rgba[j + 1] = Pixels[i + 1];
            rgba[j + 2] = Pixels[i + 2];
            rgba[j + 3] = 255;
        }
        return rgba;
    }

    /// <summary>An image from interleaved RGBA bytes; the alpha channel is dropped.</summary>
    public static RgbImage FromRgba32(ReadOnlySpan<byte> rgba, int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (rgba.Length != 4L * width * height)
            throw new ArgumentException($"Expected {4L * width * height} bytes for a {width}x{height} RGBA image, got {rgba.Length}.", nameof(rgba));
        var pixels = new byte[3L * width * height];
        for (int i = 0, j = 0; i < pixels.Length; i += 3, j += 4)
        {
            pixels[i] = rgba[j];
            pixels[i + 1] = rgba[j + 1];
            pixels[i + 2] = rgba[j + 2];
        }
        return new RgbImage(width, height, pixels);
    }

    /// <summary>
    /// The usual SR "quantize": clamps <paramref name="value"/> to [0, 1] and rounds value * 255 to the
    /// nearest integer (ties to even, as numpy and torch round). NaN becomes 0.
    /// </summary>
    public static byte Quantize(float value)
    {
        if (float.IsNaN(value)) return 0;
        return (byte)Math.Round(Math.Clamp(value, 0f, 1f) * 255.0);
    }

    private static bool StoresSingleGreyChannel(SixLabors.ImageSharp.Metadata.ImageMetadata metadata, IImageFormat format) => format switch
    {
        PngFormat => metadata.GetPngMetadata().ColorType is PngColorType.Grayscale or PngColorType.GrayscaleWithAlpha,
        JpegFormat => metadata.GetJpegMetadata().ColorType is JpegColorType.Luminance,
        // BMP stores grey only as an 8-bit palette and WebP has no grey mode: both decode as colour.
        _ => false,
    };

    /// <summary>Walks the container structure of an encoded file to see that it is complete.</summary>
    private static class ImageFileStructure
    {
        /// <summary>Returns why the file is cut short, or null when its structure is complete.</summary>
        public static string? FindTruncation(byte[] bytes, IImageFormat format) => format switch
        {
            PngFormat => PngTruncation(bytes),
            JpegFormat => JpegTruncation(bytes),
            BmpFormat => BmpTruncation(bytes),
            WebpFormat => WebpTruncation(bytes),
            _ => null,
        };

        /// <summary>Every chunk (length, type, data, CRC) must be whole, up to IEND.</summary>
        private static string? PngTruncation(byte[] bytes)
        {
            long offset = 8;
            while (offset + 8 <= bytes.Length)
            {
                long length = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan((int)offset, 4));
                bool isEnd = bytes.AsSpan((int)offset + 4, 4).SequenceEqual("IEND"u8);
                long next = offset + 12 + length;
                if (next > bytes.Length)
                    return $"a PNG chunk at byte {offset} needs {next - offset} bytes, the file ends after {bytes.Length - offset}";
                if (isEnd) return null;
                offset = next;
            }
            return "the PNG ends before its IEND chunk";
        }

        /// <summary>Marker segments and entropy-coded scans must run on to the EOI marker.</summary>
        private static string? JpegTruncation(byte[] bytes)
        {
            int offset = 2; // after SOI
            while (true)
            {
                while (offset < bytes.Length && bytes[offset] == 0xFF && offset + 1 < bytes.Length && bytes[offset + 1] == 0xFF)
                    offset++; // fill bytes
                if (offset + 2 > bytes.Length)
                    return "the JPEG ends before its EOI marker";
                if (bytes[offset] != 0xFF)
                    return $"expected a JPEG marker at byte {offset}";
                byte marker = bytes[offset + 1];
                offset += 2;
                if (marker == 0xD9) return null; // EOI
                if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) continue; // markers without a length
                if (offset + 2 > bytes.Length)
                    return "the JPEG ends inside a marker segment";
                int length = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(offset, 2));
                offset += length;
                if (offset > bytes.Length)
                    return "the JPEG ends inside a marker segment";
                if (marker != 0xDA) continue;
                // Entropy-coded data after SOS: 0xFF is only followed by 0x00 (stuffing) or RSTn there.
                while (true)
                {
                    int ff = Array.IndexOf(bytes, (byte)0xFF, offset);
                    if (ff < 0 || ff + 1 >= bytes.Length)
                        return "the JPEG ends inside its compressed image data";
                    byte after = bytes[ff + 1];
                    if (after == 0x00 || after is >= 0xD0 and <= 0xD7)
                    {
                        offset = ff + 2;
                        continue;
                    }
                    offset = ff;
                    break;
                }
            }
        }

        /// <summary>An uncompressed bitmap needs its whole pixel array; any bitmap needs the size its header states.</summary>
        private static string? BmpTruncation(byte[] bytes)
        {
            if (bytes.Length < 26) return "the BMP header is incomplete";
            long declaredSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(2, 4));
            long pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(10, 4));
            long headerSize = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(14, 4));
            long width, height, bitsPerPixel, compression;
            if (headerSize == 12)
            {
                width = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(18, 2));
                height = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(20, 2));
                bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(24, 2));
                compression = 0;
            }
            else
            {
                if (bytes.Length < 34) return "the BMP header is incomplete";
                width = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(18, 4)));
                height = Math.Abs((long)BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(22, 4)));
                bitsPerPixel = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(28, 2));
                compression = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(30, 4));
            }
            long needed = declaredSize;
            const long Uncompressed = 0, BitFields = 3, AlphaBitFields = 6;
            if (compression is Uncompressed or BitFields or AlphaBitFields)
                needed = Math.Max(needed, pixelOffset + (bitsPerPixel * width + 31) / 32 * 4 * height);
            return needed > bytes.Length ? $"the BMP needs {needed} bytes, the file has {bytes.Length}" : null;
        }

        /// <summary>The RIFF header states the size of the whole file.</summary>
        private static string? WebpTruncation(byte[] bytes)
        {
            if (bytes.Length < 12) return "the WebP header is incomplete";
            long needed = 8L + BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4, 4));
            return needed > bytes.Length ? $"the WebP needs {needed} bytes, the file has {bytes.Length}" : null;
        }
    }
}
