using Microsoft.ML.Data;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Upscale;

/// <summary>
/// Image files in and out with ImageSharp. SuperResolver takes and returns 32-bit pixels with alpha
/// premultiplied, as MLImage stores them; ImageSharp's Rgba32 is straight alpha, hence the conversions.
/// </summary>
internal sealed class ImageFile
{
    /// <summary>Largest image accepted, in pixels, so that a corrupt or hostile header cannot ask for gigabytes.</summary>
    public const long MaxPixels = 8192L * 8192;

    private ImageFile(int width, int height, byte[] pixels) { Width = width; Height = height; Pixels = pixels; }

    public int Width { get; }
    public int Height { get; }

    /// <summary>Rgba32 pixels, alpha premultiplied.</summary>
    public byte[] Pixels { get; }

    public static ImageFile Load(string path)
    {
        var info = Image.Identify(path) ?? throw new UnknownImageFormatException($"'{path}' is not an image ImageSharp can read.");
        if ((long)info.Width * info.Height > MaxPixels)
            throw new ArgumentException($"'{path}' is {info.Width}x{info.Height}, more than {MaxPixels:N0} pixels.");
        using var image = Image.Load<Rgba32>(path);
        var pixels = new byte[image.Width * image.Height * 4];
        image.CopyPixelDataTo(pixels);
        for (int i = 0; i < pixels.Length; i += 4)
        {
            int a = pixels[i + 3];
            if (a == 255) continue;
            for (int c = 0; c < 3; c++) pixels[i + c] = (byte)((pixels[i + c] * a + 127) / 255);
        }
        return new ImageFile(image.Width, image.Height, pixels);
    }

    /// <summary>Writes <paramref name="image"/> in the format <paramref name="path"/>'s extension names.</summary>
    public static void Save(MLImage image, string path)
    {
        using var output = ToImageSharp(image);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        output.Save(path); // throws NotSupportedException for an extension with no encoder
    }

    /// <summary>
    /// Writes bicubic (left) and the network's output (right) side by side, 8 white pixels apart: the
    /// whole image, or the <paramref name="region"/> of it (input pixels), enlarged with nearest-neighbour
    /// to at least 400 pixels a side so that the difference shows.
    /// </summary>
    public static void SaveComparison(ImageFile input, MLImage upscaled, string path, Rectangle? region)
    {
        int scale = upscaled.Width / input.Width;
        var crop = ComparisonRegion(input, region);
        var outputCrop = new Rectangle(crop.X * scale, crop.Y * scale, crop.Width * scale, crop.Height * scale);
        int magnify = region is null ? 1 : Math.Max(1, (int)Math.Ceiling(400.0 / outputCrop.Width));
        var panel = new Size(outputCrop.Width * magnify, outputCrop.Height * magnify);

        using var bicubic = Image.LoadPixelData<Rgba32>(Unpremultiply(input.Pixels), input.Width, input.Height);
        bicubic.Mutate(m => m.Resize(upscaled.Width, upscaled.Height, KnownResamplers.Bicubic)
                             .Crop(outputCrop).Resize(panel, KnownResamplers.NearestNeighbor, compand: false));
        using var ours = ToImageSharp(upscaled);
        ours.Mutate(m => m.Crop(outputCrop).Resize(panel, KnownResamplers.NearestNeighbor, compand: false));
        const int Gap = 8;
        using var canvas = new Image<Rgba32>(2 * panel.Width + Gap, panel.Height, Color.White);
        canvas.Mutate(m => m.DrawImage(bicubic, new Point(0, 0), 1f).DrawImage(ours, new Point(panel.Width + Gap, 0), 1f));
        canvas.Save(path);
    }

    /// <summary>The part of <paramref name="input"/> a comparison shows; checked before any upscaling is spent on it.</summary>
    public static Rectangle ComparisonRegion(ImageFile input, Rectangle? region)
    {
        var crop = region ?? new Rectangle(0, 0, input.Width, input.Height);
        if (!new Rectangle(0, 0, input.Width, input.Height).Contains(crop))
            throw new ArgumentException($"--compare-region {crop.X},{crop.Y},{crop.Width},{crop.Height} lies outside the {input.Width}x{input.Height} image.");
        return crop;
    }

    private static Image<Rgba32> ToImageSharp(MLImage image)
    {
        if (image.PixelFormat != MLPixelFormat.Rgba32)
            throw new InvalidOperationException($"Expected Rgba32 pixels, got {image.PixelFormat}.");
        return Image.LoadPixelData<Rgba32>(Unpremultiply(image.Pixels), image.Width, image.Height);
    }

    private static byte[] Unpremultiply(ReadOnlySpan<byte> premultiplied)
    {
        var pixels = premultiplied.ToArray();
        for (int i = 0; i < pixels.Length; i += 4)
        {
            int a = pixels[i + 3];
            if (a == 255) continue;
            for (int c = 0; c < 3; c++) pixels[i + c] = a == 0 ? (byte)0 : (byte)Math.Min(255, (pixels[i + c] * 255 + a / 2) / a);
        }
        return pixels;
    }

}
