using System.Buffers.Binary;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.Metadata.Profiles.Icc;
using SixLabors.ImageSharp.PixelFormats;

namespace MLNet.SuperRes.Tests.TestData;

/// <summary>Photos as phones store them: pixels in one orientation, an EXIF tag saying how to turn them.</summary>
public static class OrientedPhotos
{
    /// <summary>A JPEG of four flat quadrants (so JPEG keeps them nearly exact) tagged with <paramref name="orientation"/>.</summary>
    public static byte[] Jpeg(int orientation, int width = 12, int height = 8)
    {
        using var image = Quadrants(orientation, width, height);
        using var jpeg = new MemoryStream();
        image.SaveAsJpeg(jpeg, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 100 });
        return jpeg.ToArray();
    }

    /// <summary>The quadrants of <see cref="Jpeg"/> as a PNG (an eXIf chunk), of 8 or 16 bits per channel.</summary>
    public static byte[] Png(int orientation, int bitDepth = 8, int width = 12, int height = 8)
    {
        using var image = Quadrants(orientation, width, height);
        using var png = new MemoryStream();
        image.SaveAsPng(png, new SixLabors.ImageSharp.Formats.Png.PngEncoder
        {
            BitDepth = bitDepth == 16 ? SixLabors.ImageSharp.Formats.Png.PngBitDepth.Bit16 : SixLabors.ImageSharp.Formats.Png.PngBitDepth.Bit8,
            ColorType = SixLabors.ImageSharp.Formats.Png.PngColorType.Rgb,
        });
        return png.ToArray();
    }

    private static Image<Rgba32> Quadrants(int orientation, int width, int height)
    {
        var image = new Image<Rgba32>(width, height);
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
        return image;
    }

    /// <summary>A 16x10 JPEG from a phone: camera, date, place, the given orientation and stored size, and a profile.</summary>
    public static byte[] PhoneJpeg(int orientation, byte[] profile)
    {
        using var image = new Image<Rgba32>(16, 10);
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                    row[x] = new Rgba32((byte)(15 * x), (byte)(25 * y), (byte)(100 + 5 * (x + y)));
            }
        });
        var exif = new ExifProfile();
        exif.SetValue(ExifTag.Make, "Phone maker");
        exif.SetValue(ExifTag.DateTimeOriginal, "2026:07:14 18:30:05");
        exif.SetValue(ExifTag.GPSLatitude, [new Rational(48, 1), new Rational(51, 1), new Rational(2952, 100)]);
        exif.SetValue(ExifTag.Orientation, (ushort)orientation);
        exif.SetValue(ExifTag.PixelXDimension, 16);
        exif.SetValue(ExifTag.PixelYDimension, 10);
        image.Metadata.ExifProfile = exif;
        image.Metadata.IccProfile = new IccProfile(profile);
        using var jpeg = new MemoryStream();
        image.SaveAsJpeg(jpeg, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 95 });
        return jpeg.ToArray();
    }

    /// <summary>An ICC v4 display profile header of <paramref name="bytes"/> bytes, with an empty tag table and a pattern after it.</summary>
    public static byte[] IccProfile(int bytes, string colourSpace = "RGB ")
    {
        var profile = new byte[bytes];
        BinaryPrimitives.WriteUInt32BigEndian(profile, (uint)bytes);
        BinaryPrimitives.WriteUInt32BigEndian(profile.AsSpan(8), 0x04300000);
        System.Text.Encoding.ASCII.GetBytes("mntr" + colourSpace + "XYZ ").CopyTo(profile.AsSpan(12));
        "acsp"u8.CopyTo(profile.AsSpan(36));
        for (int i = 132; i < bytes; i++)
            profile[i] = (byte)(i * 7);
        return profile;
    }
}
