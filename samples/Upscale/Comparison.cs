using Microsoft.ML.Data;
using MLNet.SuperRes;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Upscale;

/// <summary>
/// The --compare picture: bicubic (left) beside the network (right). Drawn with ImageSharp, whose resampler
/// and compositing this needs; images are read and written by the library (ImageFiles).
/// </summary>
internal static class Comparison
{
    /// <summary>
    /// Writes bicubic (left) and the network's output (right) side by side, 8 white pixels apart: the
    /// whole image, or the <paramref name="region"/> of it (input pixels), enlarged with nearest-neighbour
    /// to at least 400 pixels a side so that the difference shows.
    /// </summary>
    public static void Save(MLImage input, MLImage upscaled, string path, Rectangle? region)
    {
        int scale = upscaled.Width / input.Width;
        var crop = Region(input, region);
        var outputCrop = new Rectangle(crop.X * scale, crop.Y * scale, crop.Width * scale, crop.Height * scale);
        int magnify = region is null ? 1 : Math.Max(1, (int)Math.Ceiling(400.0 / outputCrop.Width));
        var panel = new Size(outputCrop.Width * magnify, outputCrop.Height * magnify);

        using var bicubic = ToImageSharp(input);
        bicubic.Mutate(m => m.Resize(upscaled.Width, upscaled.Height, KnownResamplers.Bicubic)
                             .Crop(outputCrop).Resize(panel, KnownResamplers.NearestNeighbor, compand: false));
        using var ours = ToImageSharp(upscaled);
        ours.Mutate(m => m.Crop(outputCrop).Resize(panel, KnownResamplers.NearestNeighbor, compand: false));
        const int Gap = 8;
        using var canvas = new Image<Rgba32>(2 * panel.Width + Gap, panel.Height, Color.White);
        canvas.Mutate(m => m.DrawImage(bicubic, new Point(0, 0), 1f).DrawImage(ours, new Point(panel.Width + Gap, 0), 1f));
        var pixels = new byte[canvas.Width * canvas.Height * 4];
        canvas.CopyPixelDataTo(pixels); // opaque, so straight and premultiplied alpha agree
        using var picture = MLImage.CreateFromPixels(canvas.Width, canvas.Height, MLPixelFormat.Rgba32, pixels);
        ImageFiles.Save(picture, path);
    }

    /// <summary>The part of <paramref name="input"/> a comparison shows; checked before any upscaling is spent on it.</summary>
    public static Rectangle Region(MLImage input, Rectangle? region)
    {
        var crop = region ?? new Rectangle(0, 0, input.Width, input.Height);
        if (!new Rectangle(0, 0, input.Width, input.Height).Contains(crop))
            throw new ArgumentException($"--compare-region {crop.X},{crop.Y},{crop.Width},{crop.Height} lies outside the {input.Width}x{input.Height} image.");
        return crop;
    }

    /// <summary>An ImageSharp copy of an MLImage (Bgra32 or Rgba32, alpha premultiplied), straight alpha as ImageSharp keeps it.</summary>
    private static Image<Rgba32> ToImageSharp(MLImage image)
    {
        var pixels = image.Pixels.ToArray();
        bool bgra = image.PixelFormat == MLPixelFormat.Bgra32;
        for (int i = 0; i < pixels.Length; i += 4)
        {
            if (bgra) (pixels[i], pixels[i + 2]) = (pixels[i + 2], pixels[i]);
            int a = pixels[i + 3];
            if (a == 255) continue;
            for (int c = 0; c < 3; c++) pixels[i + c] = a == 0 ? (byte)0 : (byte)Math.Min(255, (pixels[i + c] * 255 + a / 2) / a);
        }
        return Image.LoadPixelData<Rgba32>(pixels, image.Width, image.Height);
    }
}
