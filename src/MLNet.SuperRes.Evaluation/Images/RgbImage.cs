using Microsoft.ML.Data;
using SkiaSharp;

namespace MLNet.SuperRes.Evaluation.Images;

/// <summary>
/// An 8-bit RGB image with interleaved pixels (row-major, HWC: R, G, B per pixel).
/// </summary>
public sealed class RgbImage
{
    /// <summary>
    /// The default largest image, in pixels, that <see cref="Load"/> decodes (100 megapixels): these are the ground
    /// truth of SR datasets, scale² times the network inputs, which the runtime holds to
    /// <see cref="SuperResolutionOptions.MaxInputPixels"/>.
    /// </summary>
    public const long DefaultMaxPixels = 100_000_000;

    /// <summary>
    /// The file extensions <see cref="Load"/> reads and image folders are scanned for: the runtime's
    /// <see cref="ImageFiles.StillImageExtensions"/>. <see cref="Save"/> writes those of <see cref="ImageFiles.WritableExtensions"/>.
    /// </summary>
    public static IReadOnlyList<string> SupportedExtensions => ImageFiles.StillImageExtensions;

    /// <summary>Creates an image over <paramref name="pixels"/> (not copied).</summary>
    /// <param name="width">Width in pixels, at least 1.</param>
    /// <param name="height">Height in pixels, at least 1.</param>
    /// <param name="pixels">Interleaved RGB bytes, length 3 * width * height.</param>
    /// <param name="isStoredGrey">Whether the image came from a file that stored a single grey channel.</param>
    public RgbImage(int width, int height, byte[] pixels, bool isStoredGrey = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.LongLength != 3L * width * height)
            throw new ArgumentException($"Expected {3L * width * height} bytes for a {width}x{height} RGB image, got {pixels.LongLength}.", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
        IsStoredGrey = isStoredGrey;
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
    public bool IsStoredGrey { get; }

    /// <summary>
    /// Loads a PNG, BMP, JPEG or WebP file as 8-bit RGB (alpha is dropped), with the runtime's reader
    /// (<see cref="ImageFiles"/>: Skia, header first, truncated and corrupt files refused).
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
        if (!SupportedExtensions.Contains(Path.GetExtension(path).ToLowerInvariant()))
            throw new InvalidDataException($"Image file '{path}' is not a PNG, BMP, JPEG or WebP image (by its extension).");

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var decoded = ImageFiles.Decode(stream, path, maxPixels, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var image = FromRgba32(decoded.Pixels, decoded.Width, decoded.Height);
        return decoded.StoresGrey ? new RgbImage(image.Width, image.Height, image.Pixels, isStoredGrey: true) : image;
    }

    /// <summary>
    /// Saves the image under a temporary name, then renames it; the format follows the extension (.png,
    /// .jpg/.jpeg at quality 95, .webp lossless).
    /// </summary>
    /// <exception cref="ArgumentException">The extension is not one of the formats written.</exception>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var image = MLImage.CreateFromPixels(Width, Height, MLPixelFormat.Rgba32, ToRgba32());
        ImageFiles.Save(image, path, quality: 95, losslessWebp: true);
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
            return new RgbImage(Width, Height, (byte[])Pixels.Clone(), IsStoredGrey);
        var pixels = new byte[3L * width * height];
        for (int row = 0; row < height; row++)
            Array.Copy(Pixels, 3L * ((y + row) * (long)Width + x), pixels, 3L * row * width, 3L * width);
        return new RgbImage(width, height, pixels, IsStoredGrey);
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
}
