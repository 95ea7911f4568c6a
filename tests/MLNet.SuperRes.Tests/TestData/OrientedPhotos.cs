using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;

namespace MLNet.SuperRes.Tests.TestData;

/// <summary>Photos as phones store them: pixels in one orientation, an EXIF tag saying how to turn them.</summary>
public static class OrientedPhotos
{
    /// <summary>A JPEG of four flat quadrants (so JPEG keeps them nearly exact) tagged with <paramref name="orientation"/>.</summary>
    public static byte[] Jpeg(int orientation, int width = 12, int height = 8)
    {
        using var image = new Image<Rgba32>(width, height);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                    row[x] = (x < width / 2, y < height / 2) switch
                    {
                        (true, true) => new Rgba32(220, 30, 30),
                        (false, true) => new Rgba32(30, 200, 40),
                        (true, false) => new Rgba32(40, 60, 220),
                        _ => new Rgba32(240, 230, 40),
                    };
            }
        });
        image.Metadata.ExifProfile = new ExifProfile();
        image.Metadata.ExifProfile.SetValue(ExifTag.Orientation, (ushort)orientation);
        using var jpeg = new MemoryStream();
        image.SaveAsJpeg(jpeg, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 100 });
        return jpeg.ToArray();
    }
}
